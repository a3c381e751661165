/**
 * The dashboard's stylesheet, served as `assets/style.css` (CSP `style-src 'self'`: no inline
 * styles). System fonts, one table layout, badges colored by status (and named in words: color is
 * never the only sign). Every text color has 4.5:1 contrast on its background, field borders and
 * the focus ring 3:1 (WCAG 2.2 AA); in forced colors (Windows high contrast) the system colors
 * take over and the current page and the badges keep a visible mark. Nothing moves, so there is
 * nothing for `prefers-reduced-motion` to stop.
 */
export const STYLE_CSS = `
:root {
  --bg: #f5f6f8; --card: #fff; --text: #1f2933; --muted: #5b6676; --line: #e3e6eb; --head: #f9fafb;
  --brand: #1f4e79; --brand-dark: #173a5a; --ok: #0f7b4f; --ok-bg: #dcf5e8; --bad: #b42318; --bad-bg: #fde7e5;
  --warn: #935f00; --warn-bg: #fdf1d3; --info: #1d4ed8; --info-bg: #e0e9ff; --grey-bg: #eceef1;
  --field-border: #848e9c; --placeholder: #6a7382;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 15px; line-height: 1.45; color: var(--text); background: var(--bg);
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; margin: -1px; padding: 0; border: 0; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.skip-link { position: absolute; left: 1rem; top: -5rem; z-index: 10; padding: .5rem 1rem; background: var(--card); color: var(--brand); border: 2px solid var(--brand); border-radius: 6px; font-weight: 600; }
.skip-link:focus { top: .5rem; }
body { margin: 0; min-height: 100vh; display: flex; flex-direction: column; }
a { color: var(--brand); }
a:hover { color: var(--brand-dark); }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: .85em; }
h1 { font-size: 1.45rem; margin: 0; font-weight: 650; }
h2 { font-size: 1.05rem; margin: 1.8rem 0 .6rem; font-weight: 650; }
.muted, .hint { color: var(--muted); }
.hint { margin: -.2rem 0 .8rem; font-size: .9rem; }
.nowrap { white-space: nowrap; }
.num { text-align: right; font-variant-numeric: tabular-nums; }

header.top { background: var(--card); border-bottom: 1px solid var(--line); }
.bar { max-width: 1240px; margin: 0 auto; padding: 0 1.5rem; display: flex; align-items: center; gap: 2rem; height: 3.4rem; }
.brand { display: flex; align-items: center; gap: .5rem; font-weight: 700; font-size: 1.15rem; color: var(--text); text-decoration: none; }
.logo { display: inline-block; width: 1.6rem; height: 1.6rem; background: url(favicon.svg) center / contain no-repeat; vertical-align: middle; }
header nav { display: flex; gap: .3rem; flex: 1; align-self: stretch; }
header nav a { display: flex; align-items: center; padding: 0 .8rem; color: var(--muted); text-decoration: none; border-bottom: 2px solid transparent; font-weight: 500; }
header nav a:hover { color: var(--text); }
header nav a[aria-current="page"] { color: var(--text); border-bottom-color: var(--brand); }

main { flex: 1; width: 100%; max-width: 1240px; margin: 0 auto; padding: 1.6rem 1.5rem 2.5rem; }
footer { text-align: center; color: var(--muted); font-size: .8rem; padding: 1rem; }
.page-head { display: flex; align-items: center; gap: .8rem; margin-bottom: 1rem; }
.live-note { font-size: .75rem; color: var(--ok); background: var(--ok-bg); padding: .1rem .55rem; border-radius: 999px; }
.live-note::before { content: "●"; content: "●" / ""; margin-right: .35rem; font-size: .6rem; vertical-align: .1em; }
.live-note.offline { color: var(--warn); background: var(--warn-bg); }
.live-note.paused { color: var(--muted); background: var(--grey-bg); }
#live-toggle { font-size: .75rem; padding: .1rem .6rem; }
.count { color: var(--muted); font-weight: 500; font-size: .9rem; margin-left: .3rem; }

.table-wrap { position: relative; overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .55rem .8rem; border-bottom: 1px solid var(--line); vertical-align: middle; }
th { background: var(--head); font-size: .72rem; letter-spacing: .04em; text-transform: uppercase; color: var(--muted); font-weight: 600; }
tbody tr:last-child td { border-bottom: 0; }
tbody tr:hover { background: #fbfcfd; }
td.payload { max-width: 26rem; }
td.payload code { display: block; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: #334155; }
td.name { min-width: 12rem; overflow-wrap: anywhere; }
td.target { min-width: 13rem; }
td.target code { overflow-wrap: anywhere; font-size: .8rem; }
td.target .method { font-size: .75rem; font-weight: 600; color: var(--muted); margin-right: .2rem; }
td.pattern code { white-space: nowrap; }
td.state .muted { display: block; font-size: .8rem; margin-top: .15rem; }
td.actions { white-space: nowrap; text-align: right; }
.action-list { display: flex; flex-wrap: wrap; gap: .4rem; justify-content: flex-end; }
.action-list form.inline + form.inline { margin-left: 0; }
td.badges .badge { margin: .1rem 0; }
.empty { background: var(--card); border: 1px dashed var(--line); border-radius: 8px; padding: 1.2rem; color: var(--muted); text-align: center; }

.badge { display: inline-block; padding: .1rem .55rem; border-radius: 999px; font-size: .78rem; font-weight: 600; background: var(--grey-bg); color: #475467; white-space: nowrap; }
.badge.succeeded { background: var(--ok-bg); color: var(--ok); }
.badge.dead, .badge.disabled { background: var(--bad-bg); color: var(--bad); }
.badge.retrying, .badge.pending { background: var(--warn-bg); color: var(--warn); }
.badge.in-flight { background: var(--info-bg); color: var(--info); }
.error-text { color: var(--bad); }

.flash { padding: .65rem 1rem; border-radius: 8px; margin: 0 0 1.2rem; border: 1px solid; }
.flash.ok { background: var(--ok-bg); border-color: #b7e7cd; color: #0b5c3b; }
.flash.error { background: var(--bad-bg); border-color: #f6c4bf; color: #8f1d13; }

dl.facts { display: grid; grid-template-columns: 9rem 1fr; gap: .45rem 1rem; margin: 0 0 .5rem; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.2rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
dl.facts dd form { margin-left: .6rem; }
pre.json, pre.response { background: #f8fafc; border: 1px solid var(--line); border-radius: 8px; padding: .9rem 1rem; margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
pre.json { overflow: auto; max-height: 28rem; }
details summary { cursor: pointer; }
details pre.response { margin-top: .4rem; }

form.inline { display: inline-flex; gap: .35rem; align-items: center; margin: 0; }
form.inline + form.inline { margin-left: .4rem; }
button, .button { font: inherit; font-size: .85rem; font-weight: 500; cursor: pointer; border-radius: 6px; padding: .3rem .75rem; border: 1px solid var(--line); background: var(--card); color: var(--text); text-decoration: none; display: inline-block; line-height: 1.4; }
button:hover, .button:hover { border-color: #c3c9d2; background: #f3f4f6; color: var(--text); }
button.primary { background: var(--brand); border-color: var(--brand); color: #fff; }
button.primary:hover { background: var(--brand-dark); }
button.danger { color: var(--bad); border-color: #f1b8b2; }
button.danger:hover { background: var(--bad-bg); }
:focus-visible { outline: 2px solid var(--brand); outline-offset: 2px; }
main:focus { outline: none; }
header form.inline button { border-color: transparent; color: var(--muted); }
input, select { font: inherit; font-size: .9rem; padding: .3rem .5rem; border: 1px solid var(--field-border); border-radius: 6px; background: #fff; color: var(--text); }
select { padding-right: 1.6rem; }
::placeholder { color: var(--placeholder); opacity: 1; }
input[aria-invalid="true"] { border: 2px solid var(--bad); }
.field-error { color: var(--bad); font-size: .8rem; font-weight: 600; max-width: 20rem; }
.filters { display: flex; flex-wrap: wrap; gap: .8rem 1rem; align-items: flex-end; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .9rem 1rem; margin-bottom: 1.2rem; }
.filters .field { display: flex; flex-direction: column; gap: .25rem; }
.filters label { font-size: .78rem; color: var(--muted); font-weight: 600; }
.filters input, .filters select, .filters button, .filters .button { height: 2.15rem; font-weight: 400; }
.filters button.primary { font-weight: 500; }
.filters .button { display: inline-flex; align-items: center; }
.pager { display: flex; gap: .6rem; justify-content: flex-end; margin-top: .8rem; }

body.login { justify-content: center; }
.login main { max-width: 24rem; flex: 0; padding-top: 14vh; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1.8rem 2rem; box-shadow: 0 4px 16px #0f172a0d; }
.card h1 { display: flex; align-items: center; gap: .5rem; font-size: 1.5rem; margin-bottom: .3rem; }
.card form { display: flex; flex-direction: column; gap: .5rem; margin-top: 1rem; }
.card label { font-size: .85rem; font-weight: 600; }
.card input { padding: .5rem .6rem; }
.card button { padding: .5rem; margin-top: .4rem; font-size: .95rem; }

/* Forced colors: a transparent border would be painted like any other, so the unmarked tabs get the
   background's color and the current one the highlight; badges lose their fill, so they get a frame. */
@media (forced-colors: active) {
  header nav a { border-bottom-color: Canvas; }
  header nav a[aria-current="page"] { border-bottom-color: Highlight; }
  .badge, .live-note { border: 1px solid CanvasText; }
}

/* Phones: the nav gets a row of its own under the brand and Log out, so nothing is pushed off-screen. */
@media (max-width: 640px) {
  .bar { flex-wrap: wrap; height: auto; gap: 0 1rem; padding: 0 1rem; }
  .brand { height: 3rem; }
  .bar > form.inline { margin-left: auto; }
  header nav { order: 3; flex: 1 0 100%; height: 2.6rem; margin: 0 -.8rem; }
  main { padding: 1.2rem 1rem 2rem; }
  dl.facts { grid-template-columns: minmax(5.5rem, auto) 1fr; padding: .9rem 1rem; }
  .login main { padding-top: 8vh; }
  .card { padding: 1.4rem 1.2rem; }
}
`
