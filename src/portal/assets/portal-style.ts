/**
 * @file The portal's stylesheet, served as /portal/assets/portal.css (no external fonts or frameworks: it works
 * offline).
 */
export const PORTAL_STYLE = `
:root { --fg: #1b1f24; --muted: #5b636e; --line: #d6dae0; --accent: #0b5cad; --ok: #1a7f37; --bad: #b42318; --warn: #9a6700; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #f6f7f9; }
header { display: flex; align-items: center; gap: 2rem; padding: .6rem 1.5rem; background: #fff; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
.brand { font-weight: 700; font-size: 1.1rem; }
header nav { display: flex; flex: 1; justify-content: space-between; align-items: center; flex-wrap: wrap; gap: 1rem; }
header nav ul { display: flex; gap: 1.2rem; list-style: none; margin: 0; padding: 0; }
header nav a[aria-current="page"] { font-weight: 700; text-decoration: underline 2px; }
.account { display: flex; gap: .8rem; align-items: center; color: var(--muted); font-size: .9rem; }
main { padding: 1rem 1.5rem 3rem; max-width: 1200px; }
main:focus { outline: none; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: .5rem; background: #fff; padding: .4rem; z-index: 1; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
table { border-collapse: collapse; width: 100%; background: #fff; margin: .8rem 0 1.2rem; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
thead th { background: #eef0f3; }
button, .button { font: inherit; padding: .35rem .9rem; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 4px; cursor: pointer; text-decoration: none; display: inline-block; }
button.reject { background: var(--bad); border-color: var(--bad); }
button.approve { background: var(--ok); border-color: var(--ok); }
.account button, td form button { background: #fff; color: var(--accent); padding: .2rem .6rem; }
td.actions form { display: inline; }
input, select, textarea { font: inherit; padding: .3rem; border: 1px solid #8a939e; border-radius: 4px; }
textarea { width: 100%; max-width: 40rem; }
label { display: block; font-weight: 600; margin-bottom: .15rem; }
.filters { display: flex; gap: 1rem; flex-wrap: wrap; align-items: flex-end; background: #fff; padding: .6rem 1rem; border: 1px solid var(--line); }
.filters p { margin: 0; }
.login { max-width: 22rem; background: #fff; padding: 1rem 1.5rem; border: 1px solid var(--line); }
.login input { width: 100%; }
.hint { color: var(--muted); font-size: .9rem; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
.facts dt { font-weight: 600; } .facts dd { margin: 0; }
.two-col { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5rem; align-items: start; }
.compare { display: flex; gap: 1.5rem; flex-wrap: wrap; }
.compare img { max-width: 360px; max-height: 360px; border: 1px solid var(--line); background: #fff; }
.frames { display: flex; gap: .5rem; flex-wrap: wrap; list-style: none; padding: 0; }
.frames img { height: 120px; border: 1px solid var(--line); }
.badge { padding: .05rem .45rem; border-radius: 999px; font-size: .85rem; border: 1px solid currentColor; }
.badge-approved { color: var(--ok); } .badge-rejected { color: var(--bad); } .badge-provisional { color: var(--warn); } .badge-pending { color: var(--muted); }
.notice { background: #e7f3ea; border: 1px solid #9fd1ad; padding: .5rem .8rem; margin: .5rem 0; }
.error { background: #fdecea; border: 1px solid #f1a9a0; padding: .5rem .8rem; margin: .5rem 0; }
.missing { color: var(--muted); font-style: italic; }
.decision { background: #fff; border: 1px solid var(--line); padding: .6rem 1rem; margin: 1rem 0; }
.new-key { background: #fff8e1; border: 1px solid #f0c36d; padding: .6rem 1rem; }
.pager { display: flex; gap: 1.5rem; }
kbd { border: 1px solid #8a939e; border-radius: 3px; padding: 0 .3rem; background: #fff; }
`;
