import { startSimulator } from '../../src/simulator/index.js';
import { startReceiver } from './support.js';
const sim = await startSimulator({ pushTimeoutMs: 1000 });
const account = sim.createAccount();
const receiver = await startReceiver(account);
account.webhookUrl = receiver.url;
const r = await account.follower().follow();
console.log(r, receiver.pushes);
await receiver.close(); await sim.close();
