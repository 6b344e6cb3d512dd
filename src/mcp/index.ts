export { type McpOptions, mcpRoutes } from './http.ts';
