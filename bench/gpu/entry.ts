import { runCli } from '../../src/cli.ts';
import { llamaBench } from './index.ts';

/**
 * What travels to a GPU machine, bundled into one file by bench/gpu/pack.sh: `bench` runs the llama
 * bench; any other command is the `parley` CLI, which the bench starts again as gateway and provider.
 */
const [command] = process.argv.slice(2);
if (command === 'bench') await llamaBench([process.argv[1] as string]);
else process.exitCode = await runCli(process.argv.slice(2), process.env);
