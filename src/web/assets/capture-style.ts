/**
 * @file The capture pages' stylesheet (/web/capture.css): phone-first, system fonts (nothing fetched), the partner's
 * theme colour through `--theme`, visible focus for keyboard users.
 */
export const CAPTURE_STYLE = `:root { --theme: #001096; --ink: #151f72; --muted: #4d5266; color-scheme: light; }
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
.app { max-width: 480px; min-height: 100%; margin: 0 auto; padding: 12px 20px 24px; display: flex; flex-direction: column; }
.bar { display: flex; align-items: center; justify-content: space-between; gap: 8px; min-height: 44px; }
.bar p { margin: 0; font-weight: 600; font-size: 0.95rem; }
.close { background: none; border: 0; font-size: 1.6rem; line-height: 1; width: 44px; height: 44px; color: var(--muted); cursor: pointer; }
section { display: flex; flex-direction: column; gap: 14px; flex: 1; }
section[hidden] { display: none; }
h1 { font-size: 1.5rem; margin: 12px 0 0; outline: none; }
p { margin: 0; }
.logo { width: 64px; height: 64px; object-fit: contain; border-radius: 12px; }
.actions { margin-top: auto; display: flex; flex-direction: column; gap: 10px; }
button.primary, button.secondary { min-height: 48px; border-radius: 10px; font: inherit; font-weight: 600; cursor: pointer; padding: 10px 16px; }
button.primary { background: var(--theme); color: #fff; border: 2px solid var(--theme); }
button.primary:disabled { opacity: 0.5; cursor: default; }
button.secondary { background: #fff; color: var(--theme); border: 2px solid var(--theme); }
a { color: var(--theme); }
:focus-visible { outline: 3px solid var(--theme); outline-offset: 3px; }
h1:focus-visible { outline: none; }
.camera { position: relative; width: 100%; aspect-ratio: 3 / 4; overflow: hidden; border-radius: 16px; background: #000; }
.camera video { width: 100%; height: 100%; object-fit: cover; transform: scaleX(-1); }
.oval { position: absolute; left: 17%; right: 17%; top: 12%; bottom: 16%; border: 3px solid #fff; border-radius: 50%; box-shadow: 0 0 0 999px rgba(0, 0, 0, 0.45); pointer-events: none; }
.guide { min-height: 3em; font-weight: 600; text-align: center; }
.review { width: 100%; border-radius: 16px; transform: scaleX(-1); }
progress { width: 100%; height: 14px; accent-color: var(--theme); }
.error { color: #8a1c1c; }
`;
