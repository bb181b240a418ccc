/**
 * WeChat's API for the `wxoa-server` target, in its own process: bench/servers/wxoa-server.mjs forks it so
 * that the simulator's CPU (token, user/info/batchget) is not counted as the server's (it is WeChat's work,
 * not wxoa's). The bench's followers (`oBench…`, indexes 0 to WXOA_BENCH_FOLLOWERS - 1: the load pool and
 * the probes) are registered up front as known but not following, so user/info/batchget answers them as
 * WeChat answers a follower who left (subscribe: 0), one call per 100 follows. Unknown OpenIDs would be
 * refused with 40003, which makes the worker split every batch down to single OpenIDs (~2 calls and a
 * warning per follower): a different, pathological workload. Prints `SIM <url>` once listening.
 */
import { startSimulator } from '../../dist/src/simulator/index.js';
import { BENCH } from '../lib/protocol.mjs';

const sim = await startSimulator();
const account = sim.createAccount({
  appid: BENCH.appid,
  appsecret: 'benchsecret0000000000000000000000',
  token: BENCH.token,
  encodingAesKey: BENCH.encodingAesKey,
  ghId: BENCH.ghId,
  mode: 'safe',
});
const followers = Number(process.env.WXOA_BENCH_FOLLOWERS || 200_000);
for (let i = 0; i < followers; i++) account.follower(`oBench${String(i).padStart(22, '0')}`);
process.send?.({ url: sim.url });

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await sim.close().catch(() => undefined);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('disconnect', stop); // the server process went away
