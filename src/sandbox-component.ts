import type { ComponentConfig } from './component/component-config.js';
import type { Simulator } from './simulator/index.js';

/**
 * Component mode in the sandbox (issue 13): the simulator also plays a third-party platform, with a second
 * sandbox account that has not authorized it yet. The operator connects that account from the console's
 * Accounts page (the simulated authorization page lists it first); the first sandbox account stays the
 * direct one a newcomer sees. Fixed credentials, so a restart finds the authorization it stored.
 */
export const SANDBOX_COMPONENT: ComponentConfig = Object.freeze({
  appid: 'wxsandboxcomp00001',
  appsecret: 'sandbox-component-secret-not-for-production',
  token: 'sandboxcomponenttoken',
  encodingAesKey: 'SandboxComponentAesKeyForLocalTesting012345',
});

/** The account to authorize the sandbox platform with. */
export const SANDBOX_COMPONENT_ACCOUNT = Object.freeze({
  appid: 'wxsandbox000000002',
  appsecret: 'sandbox-secret-2-not-for-production',
  token: 'sandboxtoken2',
  encodingAesKey: 'SandboxAesKeyForLocalTestingOnly0123456789b',
});

/** Creates the sandbox platform and its account in the simulator, unless a kept world has them already. */
export async function prepareSandboxComponent(simulator: Simulator): Promise<void> {
  if (!simulator.accounts.some((a) => a.appid === SANDBOX_COMPONENT_ACCOUNT.appid)) {
    simulator.createAccount({ ...SANDBOX_COMPONENT_ACCOUNT, mode: 'safe' });
  }
  const res = await fetch(`${simulator.url}/sim/components`, {
    method: 'POST',
    body: JSON.stringify(SANDBOX_COMPONENT),
  });
  // 409: restored from the simulator's state file with its authorizations.
  if (res.status !== 201 && res.status !== 409) {
    throw new Error(`the simulator refused the sandbox platform: HTTP ${res.status} ${await res.text()}`);
  }
}

/**
 * Points the sandbox platform at the running server, starts its ticket pushes (every 10 minutes) and pushes
 * one now, so the platform has its token from the first minute.
 */
export async function connectSandboxComponent(simulator: Simulator, serverUrl: string): Promise<void> {
  const base = `${simulator.url}/sim/components/${SANDBOX_COMPONENT.appid}`;
  await fetch(base, {
    method: 'PATCH',
    body: JSON.stringify({
      eventUrl: `${serverUrl}/wechat/component/events`,
      messageUrl: `${serverUrl}/wechat/component/$APPID$`,
      ticketTimer: true,
    }),
  });
  await fetch(`${base}/ticket`, { method: 'POST' });
}
