import { parseArgs } from 'node:util';
import { configVariables } from './gateway/config.ts';
import { writeNewKeyFile } from './identity/index.ts';
import { parleyVersion } from './shared/index.ts';

interface Command {
  summary: string;
  usage: string;
  details?: () => string;
  run(args: string[], env: NodeJS.ProcessEnv): Promise<number>;
}

const commands: Record<string, Command> = {
  gateway: {
    summary: 'Run the Parley gateway (HTTP API, metrics, docs) with SQLite in the data dir',
    usage: 'parley gateway',
    details: () =>
      [
        'Configuration comes from the environment (or a JSON file named by PARLEY_CONFIG):',
        ...configVariables.map(({ env, allowed }) => `  ${env.padEnd(28)} ${allowed}`),
      ].join('\n'),
    run: async (args, env) => {
      parseArgs({ args, options: {} });
      const { runGateway } = await import('./gateway/main.ts');
      return runGateway(env);
    },
  },
  keygen: {
    summary: 'Create an Ed25519 did:key; print the DID and write the secret key to a file (0600)',
    usage: 'parley keygen [--out FILE]   (default: ./parley-key.json; never overwrites)',
    run: async (args) => {
      const { values } = parseArgs({
        args,
        options: { out: { type: 'string', default: 'parley-key.json' } },
      });
      try {
        const { did, path } = writeNewKeyFile(values.out);
        process.stdout.write(`${did}\n`);
        process.stderr.write(`secret key written to ${path} (owner-only); keep it safe\n`);
        return 0;
      } catch (error) {
        process.stderr.write(`parley keygen: ${(error as Error).message}\n`);
        return 1;
      }
    },
  },
  ledger: {
    summary: 'Ledger tools: `parley ledger verify` re-derives every balance and checks every signature',
    usage: 'parley ledger verify   (uses PARLEY_DATA_DIR / PARLEY_DB_URL like the gateway)',
    run: async (args, env) => {
      const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
      if (positionals[0] !== 'verify' || positionals.length !== 1) {
        process.stderr.write("parley ledger: the only subcommand is 'verify'\n");
        return 2;
      }
      const { runLedgerVerify } = await import('./gateway/ledger-cli.ts');
      return runLedgerVerify(env);
    },
  },
  provider: {
    summary:
      'Serve a GGUF model with llama.cpp behind an OpenAI-compatible API and register it with a gateway',
    usage:
      'parley provider (--model PATH | --generate PRESET | --model-url URL --sha256 HEX) [--gateway URL] …',
    details: () => 'Run with --help for every option.',
    run: async (args) => {
      const { runProvider } = await import('./provider/main.ts');
      return runProvider(args);
    },
  },
  mcp: {
    summary: "Serve MCP on stdio (Claude Desktop, Claude Code), relayed to a gateway's /mcp with an API key",
    usage: 'parley mcp --gateway URL [--api-key KEY]   (or PARLEY_API_KEY in the environment)',
    run: async (args, env) => {
      const { runMcpStdio } = await import('./mcp/stdio.ts');
      return runMcpStdio(args, env);
    },
  },
  demo: {
    summary:
      'Gateway + in-process provider on a generated model + a funded demo agent (what `npm start` runs)',
    usage: 'parley demo   (same environment as `parley gateway`)',
    run: async (args, env) => {
      parseArgs({ args, options: {} });
      const { runDemo } = await import('./demo/main.ts');
      return runDemo(env);
    },
  },
  voucher: {
    summary: "Sign the next Parley-Voucher for an agent's channel and print it (for curl)",
    usage:
      'parley voucher --agent FILE --amount TNZO   (e.g. --amount 0.01; FILE as written by `parley demo`)',
    run: async (args) => {
      const { values } = parseArgs({
        args,
        options: { agent: { type: 'string' }, amount: { type: 'string' } },
      });
      if (!values.agent || !values.amount || !/^\d+(\.\d{1,18})?$/.test(values.amount)) {
        process.stderr.write(
          'parley voucher: give --agent FILE and --amount TNZO (a decimal such as 0.01)\n',
        );
        return 2;
      }
      const { nextVoucher, readAgentFile } = await import('./demo/agent.ts');
      const { parseUnits } = await import('./shared/index.ts');
      try {
        process.stdout.write(
          `${await nextVoucher(readAgentFile(values.agent), parseUnits(values.amount, 18))}\n`,
        );
        return 0;
      } catch (error) {
        process.stderr.write(`parley voucher: ${(error as Error).message}\n`);
        return 1;
      }
    },
  },
  model: {
    summary: 'Model tools: `parley model generate` writes a deterministic random GGUF model',
    usage: 'parley model generate --preset tiny|demo|200m-f16|1b-q8_0 [--seed N] --out FILE',
    run: async (args) => {
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: {
          preset: { type: 'string', default: 'tiny' },
          seed: { type: 'string', default: '1' },
          out: { type: 'string' },
        },
      });
      const { randomModelPresets, writeRandomModel } = await import('./provider/gguf/index.ts');
      const preset = values.preset as keyof typeof randomModelPresets;
      if (
        positionals[0] !== 'generate' ||
        !values.out ||
        !(preset in randomModelPresets) ||
        !/^\d+$/.test(values.seed)
      ) {
        process.stderr.write(
          `parley model: usage: parley model generate --preset ${Object.keys(randomModelPresets).join('|')} [--seed N] --out FILE\n`,
        );
        return 2;
      }
      const model = writeRandomModel(values.out, {
        ...randomModelPresets[preset],
        seed: Number(values.seed),
      });
      process.stdout.write(`${JSON.stringify(model)}\n`);
      return 0;
    },
  },
  version: {
    summary: 'Print the version',
    usage: 'parley version',
    run: async () => {
      process.stdout.write(`${parleyVersion}\n`);
      return 0;
    },
  },
};

function overview(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length)) + 2;
  return [
    `parley ${parleyVersion}: agent-native inference gateway`,
    '',
    'Usage: parley <command> [options]',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, command]) => `  ${name.padEnd(width)}${command.summary}`),
    '',
    "Run 'parley <command> --help' for a command's options.",
  ].join('\n');
}

/** Dispatches `parley <command>`; resolves to the process exit code. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${overview()}\n`);
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-v') return commands.version?.run([], env) ?? 1;
  const command = commands[name];
  if (!command) {
    process.stderr.write(`parley: unknown command '${name}'\n\n${overview()}\n`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    const details = command.details ? `\n\n${command.details()}` : '';
    process.stdout.write(`Usage: ${command.usage}\n\n${command.summary}${details}\n`);
    return 0;
  }
  try {
    return await command.run(args, env);
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`parley ${name}: ${(error as Error).message}; see 'parley ${name} --help'\n`);
      return 2;
    }
    // Anything else a command did not expect (a file it cannot write, say): one line, not a stack,
    // unless debugging.
    const detail = env.PARLEY_LOG_LEVEL === 'debug' ? (error as Error).stack : (error as Error).message;
    process.stderr.write(`parley ${name}: ${detail ?? String(error)}\n`);
    return 1;
  }
}
