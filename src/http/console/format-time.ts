import { html, type Html } from './html.js';

/**
 * A `<time>` element for a Unix time in seconds (WeChat's unit). The server writes UTC so the page is the
 * same for everyone without script; the console script rewrites it in the reader's own time zone.
 */
export function timeTag(unixSeconds: number | null): Html {
  if (unixSeconds === null || !Number.isFinite(unixSeconds)) return html`<span class="muted">—</span>`;
  const iso = new Date(unixSeconds * 1000).toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}

/** "3 h 5 min", "47 s": a span of time for window countdowns, rounded down to what a reader needs. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours < 48) return rest ? `${hours} h ${rest} min` : `${hours} h`;
  return `${Math.floor(hours / 24)} days`;
}
