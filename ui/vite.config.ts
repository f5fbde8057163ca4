import { defineConfig, type Plugin } from 'vitest/config';

// Tauri's `freezePrototype` freezes Object.prototype, so assigning `constructor` to a plain
// object throws (the "override mistake"). Preact's internal `assign` copies vnodes, which carry
// `constructor: undefined`, onto `{}`: define the properties instead of assigning them.
function freezeSafePreact(): Plugin {
  const from = 'function m(n,l){for(var u in l)n[u]=l[u];return n}';
  const to =
    'function m(n,l){for(var u in l)Object.defineProperty(n,u,{value:l[u],writable:!0,enumerable:!0,configurable:!0});return n}';
  return {
    name: 'freeze-safe-preact',
    transform(code, id) {
      if (!/preact[\\/]dist[\\/]preact\.module\.js/.test(id)) return null;
      if (!code.includes(from)) throw new Error('preact changed: update freezeSafePreact in vite.config.ts');
      return { code: code.replace(from, to), map: null };
    },
  };
}

// Everything is bundled: the app loads nothing remote (strict CSP in src-tauri/tauri.conf.json).
export default defineConfig({
  plugins: [freezeSafePreact()],
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // No inline scripts or styles: the CSP allows 'self' only.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  // The catalogues live in locales/ beside ui/ (the Rust side reads them too).
  server: { fs: { allow: ['..'] } },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    environment: 'node',
  },
});
