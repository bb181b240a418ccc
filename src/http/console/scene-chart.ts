import type { SceneStats } from '../../followers/follower-repo.js';
import { html, type Html } from './html.js';

const WIDTH = 640;
const LABEL_WIDTH = 150;
const BAR = 10;
const GAP = 3;
const GROUP_GAP = 14;
const VALUE_SPACE = 40;

const SERIES = [
  { key: 'scans', label: 'scans' },
  { key: 'subscribes', label: 'follows' },
  { key: 'unsubscribes', label: 'unfollows' },
] as const;

const CLASS: Record<(typeof SERIES)[number]['key'], string> = {
  scans: 'scans',
  subscribes: 'follows',
  unsubscribes: 'unfollows',
};

/**
 * Scans, follows and unfollows per scene as an inline SVG bar chart: three bars a scene on one scale. SVG
 * attributes (not inline styles) carry the geometry, so the page's CSP can forbid inline styles, and
 * scene names go in as escaped text.
 */
export function sceneChart(stats: readonly SceneStats[]): Html {
  const max = Math.max(1, ...stats.flatMap((s) => [s.scans, s.subscribes, s.unsubscribes]));
  const groupHeight = SERIES.length * (BAR + GAP) - GAP;
  const height = stats.length * (groupHeight + GROUP_GAP) + GROUP_GAP;
  const scale = (WIDTH - LABEL_WIDTH - VALUE_SPACE) / max;
  const groups = stats.map((s, i) => {
    const top = GROUP_GAP + i * (groupHeight + GROUP_GAP);
    const bars = SERIES.map((series, j) => {
      const value = s[series.key];
      const y = top + j * (BAR + GAP);
      const w = Math.max(value > 0 ? 2 : 0, Math.round(value * scale));
      return html`<rect class="${CLASS[series.key]}" x="${LABEL_WIDTH}" y="${y}" width="${w}" height="${BAR}"
          ><title>${s.scene}: ${value} ${series.label}</title></rect
        >
        <text x="${LABEL_WIDTH + w + 4}" y="${y + BAR - 1}">${value}</text>`;
    });
    return html`<g
      ><text x="${LABEL_WIDTH - 8}" y="${top + groupHeight / 2 + 4}" text-anchor="end"
        >${shorten(s.scene)}</text
      >${bars}</g
    >`;
  });
  return html`<div class="legend" aria-hidden="true">
      <span class="scans">scans</span><span class="follows">follows</span
      ><span class="unfollows">unfollows</span>
    </div>
    <svg
      class="chart"
      role="img"
      aria-label="Scans, follows and unfollows per scene"
      viewBox="0 0 ${WIDTH} ${height}"
      width="${WIDTH}"
      height="${height}"
    >
      ${groups}
    </svg>`;
}

/** Long scene names are cut for the axis; the table below the chart shows them whole. */
function shorten(scene: string): string {
  return scene.length > 20 ? `${scene.slice(0, 19)}…` : scene;
}
