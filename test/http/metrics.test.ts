import { expect } from 'chai';
import { Registry } from 'prom-client';
import { ServerMetrics } from '../../src/http/metrics.js';
import { PushHistogram } from '../../src/http/push-histogram.js';
import type { InboundMessage } from '../../src/wire/index.js';

const APPID = 'wx0123456789abcdef';

function text(type: string): InboundMessage {
  return {
    MsgType: type,
    FromUserName: 'o1',
    ToUserName: 'gh',
    CreateTime: '1',
  } as unknown as InboundMessage;
}

/** Lines of the exposition for `name`, without HELP/TYPE. */
async function samples(registry: Registry, name: string): Promise<string[]> {
  return (await registry.metrics()).split('\n').filter((l) => l.startsWith(name));
}

describe('metrics', () => {
  describe('PushHistogram', () => {
    it('exposes cumulative buckets, le inclusive, with sum and count, like prom-client', async () => {
      const registry = new Registry();
      const h = new PushHistogram({ name: 'x_seconds', help: 'x', buckets: [0.1, 1], registers: [registry] });
      const child = h.child({ appid: 'a' });
      for (const v of [0.05, 0.1, 0.5, 2]) child.observe(v);
      expect(await samples(registry, 'x_seconds')).to.deep.equal([
        'x_seconds_bucket{appid="a",le="0.1"} 2',
        'x_seconds_bucket{appid="a",le="1"} 3',
        'x_seconds_bucket{appid="a",le="+Inf"} 4',
        'x_seconds_sum{appid="a"} 2.65',
        'x_seconds_count{appid="a"} 4',
      ]);
      h.reset();
      expect(await samples(registry, 'x_seconds_count')).to.deep.equal(['x_seconds_count{appid="a"} 0']);
    });
  });

  describe('ServerMetrics', () => {
    const metrics = () =>
      new ServerMetrics({ appids: [APPID], pendingEnrichment: async () => 3, processMetrics: false });

    it('counts pushes by type and outcome, the bound children read at scrape', async () => {
      const m = metrics();
      m.webhookObserver.handled(APPID, text('text'), 'reply', 2);
      m.webhookObserver.handled(APPID, text('text'), 'reply', 2);
      m.webhookObserver.handled(APPID, text('text'), 'timeout', 4000);
      const lines = await samples(m.registry, 'wxoa_pushes_total');
      expect(lines).to.include(
        `wxoa_pushes_total{appid="${APPID}",msg_type="text",event="",outcome="reply"} 2`,
      );
      expect(lines).to.include(
        `wxoa_pushes_total{appid="${APPID}",msg_type="text",event="",outcome="timeout"} 1`,
      );
      expect(await samples(m.registry, 'wxoa_enrichment_pending')).to.deep.equal([
        `wxoa_enrichment_pending{appid="${APPID}"} 3`,
      ]);
    });

    it('reports the progress of open tagging and blacklist jobs, and forgets finished ones', async () => {
      let open = [
        { id: 7, appid: APPID, kind: 'tag', total: 10_000, done: 2_500, failed: 3 },
        { id: 8, appid: APPID, kind: 'blacklist', total: 40, done: 0, failed: 0 },
      ];
      const m = new ServerMetrics({
        appids: [APPID],
        pendingEnrichment: async () => 0,
        openJobs: async () => open,
        processMetrics: false,
      });
      expect(await samples(m.registry, 'wxoa_job_followers')).to.deep.equal([
        `wxoa_job_followers{appid="${APPID}",job="7",kind="tag",count="total"} 10000`,
        `wxoa_job_followers{appid="${APPID}",job="7",kind="tag",count="done"} 2500`,
        `wxoa_job_followers{appid="${APPID}",job="7",kind="tag",count="failed"} 3`,
        `wxoa_job_followers{appid="${APPID}",job="8",kind="blacklist",count="total"} 40`,
        `wxoa_job_followers{appid="${APPID}",job="8",kind="blacklist",count="done"} 0`,
        `wxoa_job_followers{appid="${APPID}",job="8",kind="blacklist",count="failed"} 0`,
      ]);
      open = [];
      expect(await samples(m.registry, 'wxoa_job_followers')).to.deep.equal([]);
    });

    it('counts an account added while running (a new authorizer of the third-party platform) under its own AppID', async () => {
      const m = metrics();
      const later = 'wx00000000000000aa';
      m.webhookObserver.handled(later, text('text'), 'none', 1);
      m.addAccount(later);
      m.addAccount(later);
      m.webhookObserver.handled(later, text('text'), 'none', 1);
      m.webhookObserver.refused(later, 401);
      const lines = await samples(m.registry, 'wxoa_pushes_total');
      expect(lines).to.include(
        `wxoa_pushes_total{appid="${later}",msg_type="text",event="",outcome="none"} 1`,
      );
      expect(lines).to.include(
        `wxoa_pushes_total{appid="unknown",msg_type="text",event="",outcome="none"} 1`,
      );
      expect(await samples(m.registry, 'wxoa_webhook_refused_total')).to.deep.equal([
        `wxoa_webhook_refused_total{appid="${later}",status="401"} 1`,
      ]);
      expect(await samples(m.registry, 'wxoa_enrichment_pending')).to.include(
        `wxoa_enrichment_pending{appid="${later}"} 3`,
      );
    });

    it('bounds the series: past 64 push types per account the rest count as other; unknown AppIDs as unknown', async () => {
      const m = metrics();
      for (let i = 0; i < 70; i++) m.webhookObserver.handled(APPID, text(`t${i}`), 'none', 1);
      m.webhookObserver.refused('wxnotours', 404);
      const none = (await samples(m.registry, 'wxoa_pushes_total')).filter((l) =>
        l.includes('outcome="none"'),
      );
      expect(none).to.have.length(65);
      expect(none).to.include(
        `wxoa_pushes_total{appid="${APPID}",msg_type="other",event="other",outcome="none"} 6`,
      );
      expect(await samples(m.registry, 'wxoa_webhook_refused_total')).to.deep.equal([
        'wxoa_webhook_refused_total{appid="unknown",status="404"} 1',
      ]);
    });
  });
});
