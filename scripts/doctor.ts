/**
 * npm run doctor: checks the configuration against the real services, one
 * line per check with the fix for each problem; exits 1 when any check fails.
 */
import { ConfigError, loadConfig } from '../src/config.js';
import { exitCode, runDoctor } from '../src/ops/doctor/run-doctor.js';

try {
  const config = loadConfig();
  const results = await runDoctor(config, (line) => console.log(line));
  const failed = results.filter((r) => r.status === 'fail').length;
  const warned = results.filter((r) => r.status === 'warn').length;
  console.log(`\n${failed} failed, ${warned} warned, ${results.length - failed - warned} ok`);
  process.exit(exitCode(results));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.log(`✗ Configuration: ${error.problems.join('; ')}`);
  console.log('    fix: set these variables (README → Configuration), in the environment or .env');
  process.exit(1);
}
