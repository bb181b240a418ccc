/**
 * The console's stylesheet, served from /admin/assets/console.css. Kept in a module rather than a file so
 * `tsc` carries it into dist/ with no copy step and no front-end build (issue 6). Mobile first: one column
 * on a phone, wider layouts from 760 px. No inline styles anywhere, so the CSP can forbid them.
 */
export const CONSOLE_CSS = String.raw`
:root {
  --green: #07c160; --green-dark: #06a050; --ink: #1f2328; --muted: #667085; --line: #e4e7ec;
  --bg: #f5f6f8; --card: #fff; --danger: #c4320a; --danger-bg: #fef3f2; --warn-bg: #fffaeb; --warn: #b54708;
  --ok-bg: #ecfdf3; --radius: 10px; color-scheme: light;
  font-family: system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", sans-serif;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font-size: 15px; line-height: 1.5; }
a { color: #0b62c4; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.92em; word-break: break-all; }
h1 { font-size: 1.45rem; margin: 0.2rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 0 0 0.75rem; }
h2:not(:first-child) { margin-top: 1.6rem; }
[data-live] + form, [data-live] + p { margin-top: 1rem; }
.muted { color: var(--muted); }
.small { font-size: 0.86rem; }

.top { background: #1f2d26; color: #fff; display: flex; flex-wrap: wrap; align-items: center; gap: 0.25rem 1rem; padding: 0.5rem 1rem; }
.brand { color: #fff; font-weight: 700; text-decoration: none; font-size: 1.1rem; display: flex; align-items: center; gap: 0.4rem; }
.brand .dot { width: 0.8rem; height: 0.8rem; border-radius: 50%; background: var(--green); display: inline-block; }
.badge-sandbox { background: #fdb022; color: #1f2328; border-radius: 999px; padding: 0 0.55rem; font-size: 0.75rem; font-weight: 600; }
.nav { order: 3; width: 100%; display: flex; flex-wrap: wrap; gap: 0.25rem; }
.nav a { color: #d0d5dd; text-decoration: none; padding: 0.4rem 0.7rem; border-radius: 8px; white-space: nowrap; }
.nav a:hover { background: rgba(255,255,255,0.08); color: #fff; }
.nav a[aria-current="page"] { background: var(--green); color: #fff; }
.top .right { margin-left: auto; display: flex; align-items: center; gap: 0.5rem; }
.top .right form { margin: 0; }
.linklike { background: none; border: 1px solid rgba(255,255,255,0.3); color: #fff; border-radius: 8px; padding: 0.25rem 0.7rem; cursor: pointer; font: inherit; font-size: 0.85rem; }
.account { font-size: 0.8rem; color: #d0d5dd; }
@media (min-width: 760px) { .nav { order: 0; width: auto; } }

main { max-width: 1180px; margin: 0 auto; padding: 1rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); padding: 1rem; margin-bottom: 1rem; }
.grid { display: grid; gap: 1rem; grid-template-columns: 1fr; }
@media (min-width: 760px) { .grid.two { grid-template-columns: 1fr 1fr; } .grid.side { grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); } }

.flash { border-radius: var(--radius); padding: 0.7rem 1rem; margin-bottom: 1rem; border: 1px solid; }
.flash.ok { background: var(--ok-bg); border-color: #abefc6; }
.flash.error { background: var(--danger-bg); border-color: #fecdca; color: var(--danger); }
.flash.warn { background: var(--warn-bg); border-color: #fedf89; color: var(--warn); }
.api-status { background: var(--danger-bg); color: var(--danger); border-bottom: 1px solid #fecdca; padding: 0.5rem 1.5rem; font-size: 0.9rem; }

form.stack { display: grid; gap: 0.8rem; }
form.inline { display: flex; flex-wrap: wrap; gap: 0.6rem; align-items: flex-end; }
.field { display: grid; gap: 0.2rem; min-width: 0; }
form.inline .field { flex: 1 1 10rem; }
label { font-weight: 600; font-size: 0.9rem; }
.hint { color: var(--muted); font-size: 0.82rem; }
input[type=text], input[type=password], input[type=number], input[type=search], select, textarea {
  font: inherit; width: 100%; padding: 0.5rem 0.6rem; border: 1px solid #d0d5dd; border-radius: 8px; background: #fff; color: var(--ink);
}
textarea { min-height: 5rem; resize: vertical; }
input:focus, select:focus, textarea:focus { outline: 2px solid var(--green); outline-offset: 0; border-color: var(--green); }
.field.invalid input, .field.invalid select, .field.invalid textarea { border-color: var(--danger); background: var(--danger-bg); }
.error { color: var(--danger); font-size: 0.85rem; font-weight: 600; }
.choices { display: flex; flex-wrap: wrap; gap: 0.2rem 1rem; font-weight: 400; }
.choices label { font-weight: 400; display: flex; gap: 0.35rem; align-items: center; }
button, .button { font: inherit; font-weight: 600; border: 0; border-radius: 8px; padding: 0.55rem 1rem; background: var(--green); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
button:hover, .button:hover { background: var(--green-dark); }
button.secondary, .button.secondary { background: #fff; color: var(--ink); border: 1px solid #d0d5dd; }
button.danger { background: var(--danger); }
button[disabled] { opacity: 0.55; cursor: not-allowed; }

.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.5rem 0.6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.03em; color: var(--muted); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
@media (max-width: 759px) {
  table.stack thead { display: none; }
  table.stack tr { display: block; border-bottom: 1px solid var(--line); padding: 0.4rem 0; }
  table.stack td { display: flex; gap: 0.75rem; border: 0; padding: 0.15rem 0.2rem; }
  table.stack td::before { content: attr(data-label); flex: 0 0 7.5rem; color: var(--muted); font-size: 0.82rem; }
}
dl.props { display: grid; grid-template-columns: minmax(7rem, max-content) 1fr; gap: 0.35rem 1rem; margin: 0; }
dl.props dt { color: var(--muted); }
dl.props dd { margin: 0; min-width: 0; word-break: break-word; }

.tag { display: inline-block; border-radius: 999px; padding: 0 0.55rem; font-size: 0.78rem; font-weight: 600; background: #f2f4f7; color: #344054; }
.tag.green { background: var(--ok-bg); color: #067647; }
.tag.red { background: var(--danger-bg); color: var(--danger); }
.tag.amber { background: var(--warn-bg); color: var(--warn); }
.pager { display: flex; gap: 0.6rem; align-items: center; margin-top: 0.8rem; }

.inbox { list-style: none; margin: 0; padding: 0; }
.inbox li { border-bottom: 1px solid var(--line); }
.inbox a { display: grid; grid-template-columns: 1fr auto; gap: 0.1rem 0.8rem; padding: 0.65rem 0.3rem; text-decoration: none; color: inherit; }
.inbox a:hover { background: #f9fafb; }
.inbox .who { font-weight: 600; min-width: 0; overflow: hidden; text-overflow: ellipsis; }
.inbox .preview { grid-column: 1 / -1; color: var(--muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.inbox li.unanswered .preview { color: var(--ink); font-weight: 600; }

.thread { list-style: none; margin: 0; padding: 0.5rem; background: #ededed; border-radius: var(--radius); display: flex; flex-direction: column; gap: 0.5rem; max-height: 28rem; overflow-y: auto; }
.thread li { max-width: 85%; display: grid; gap: 0.1rem; }
.thread .bubble { padding: 0.45rem 0.7rem; border-radius: 8px; background: #fff; white-space: pre-wrap; word-break: break-word; }
.thread li.in { align-self: flex-start; }
.thread li.out { align-self: flex-end; text-align: right; }
.thread li.out .bubble { background: #95ec69; text-align: left; }
.thread li.note { align-self: center; max-width: 100%; text-align: center; color: var(--muted); font-size: 0.82rem; }
.thread li.error .bubble { background: var(--danger-bg); color: var(--danger); }
.thread .meta { font-size: 0.72rem; color: var(--muted); }
.thread .empty { align-self: center; color: var(--muted); }

.window { border-radius: 8px; padding: 0.45rem 0.7rem; font-size: 0.9rem; margin-bottom: 0.6rem; }
.window.open { background: var(--ok-bg); color: #067647; }
.window.closed { background: var(--warn-bg); color: var(--warn); }

.phone { max-width: 380px; margin: 0 auto; border: 10px solid #1f2328; border-radius: 28px; background: #ededed; overflow: hidden; display: flex; flex-direction: column; min-height: 30rem; }
.phone .bar { background: #ededed; border-bottom: 1px solid #d9d9d9; text-align: center; padding: 0.55rem; font-weight: 600; }
.phone .body { flex: 1; padding: 0.6rem; display: flex; flex-direction: column; justify-content: flex-end; }
.phone .thread { max-height: 22rem; background: transparent; padding: 0; }
.menubar { display: flex; border-top: 1px solid #d9d9d9; background: #f7f7f7; position: relative; }
.menubar .kbd { flex: 0 0 2.6rem; display: flex; align-items: center; justify-content: center; color: var(--muted); border-right: 1px solid #d9d9d9; }
.menubar > .btn, .menubar > details { flex: 1 1 0; min-width: 0; border-right: 1px solid #e0e0e0; position: relative; }
.menubar > :last-child { border-right: 0; }
.menubar .btn, .menubar summary { display: block; text-align: center; padding: 0.75rem 0.3rem; font-size: 0.9rem; cursor: pointer; list-style: none; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.menubar summary::-webkit-details-marker { display: none; }
.menubar summary::before { content: "≡ "; color: var(--muted); }
.menubar .popup { position: absolute; bottom: calc(100% + 8px); left: 50%; transform: translateX(-50%); min-width: 100%; width: max-content; max-width: 11rem; background: #fff; border: 1px solid #d9d9d9; border-radius: 6px; box-shadow: 0 4px 14px rgba(0,0,0,0.12); z-index: 2; }
.menubar .popup div { padding: 0.6rem 0.8rem; text-align: center; border-bottom: 1px solid #eee; font-size: 0.88rem; white-space: normal; }
.menubar .popup div:last-child { border-bottom: 0; }
.menubar .empty { flex: 1; text-align: center; padding: 0.75rem; color: var(--muted); }
.phone.menu-only { min-height: 24rem; }
.phone.menu-only .body { justify-content: center; color: var(--muted); text-align: center; }

.chart { display: block; width: 100%; max-width: 760px; height: auto; }
.chart text { font-size: 12px; fill: #344054; font-family: inherit; }
.chart .scans { fill: #2e90fa; } .chart .follows { fill: var(--green); } .chart .unfollows { fill: #f97066; }
.legend { display: flex; gap: 1rem; font-size: 0.85rem; margin-bottom: 0.4rem; flex-wrap: wrap; }
.legend span::before { content: ""; display: inline-block; width: 0.8rem; height: 0.8rem; border-radius: 2px; margin-right: 0.35rem; vertical-align: -0.1rem; }
.legend .scans::before { background: #2e90fa; } .legend .follows::before { background: var(--green); } .legend .unfollows::before { background: #f97066; }
.qr { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
.qr img { width: 220px; max-width: 100%; border: 1px solid var(--line); border-radius: 8px; background: #fff; }
pre.tree { background: #f9fafb; border: 1px solid var(--line); border-radius: 8px; padding: 0.7rem; overflow-x: auto; font-size: 0.85rem; }
ul.problems { margin: 0; padding-left: 1.2rem; }
ul.problems li { margin-bottom: 0.3rem; }
.actions { display: grid; gap: 1rem; }
.login { max-width: 26rem; margin: 3rem auto; }
.center { text-align: center; }
`;
