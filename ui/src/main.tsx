import { render } from 'preact';
import { App } from './app';
import './style.css';

// Errors the UI did not handle are kept for the log and the e2e test, and shown.
declare global {
  interface Window {
    __stationErrors?: string[];
  }
}
window.__stationErrors = [];
const keep = (what: string) => {
  window.__stationErrors?.push(what);
  const bar = document.getElementById('fatal');
  if (bar) bar.textContent = `UI error: ${what}`;
};
window.addEventListener('error', (e) => keep(`${e.message} (${e.filename}:${e.lineno})`));
window.addEventListener('unhandledrejection', (e) => keep(String(e.reason?.stack ?? e.reason)));

const root = document.getElementById('app');
if (root) {
  try {
    render(<App />, root);
  } catch (e) {
    keep(String((e as Error)?.stack ?? e));
  }
}
