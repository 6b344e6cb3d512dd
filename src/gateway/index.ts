export { type App, type AppDeps, createApp } from './app.ts';
export { type Config, ConfigError, configVariables, loadConfig } from './config.ts';
export { type Db, migrateDatabase, openDatabase } from './database.ts';
export { runLedgerVerify } from './ledger-cli.ts';
export { runGateway } from './main.ts';
