// The ES-module page.
import * as L from '/dist/wasi-gfx-loader.mjs';

window.runLoaderPage(L);
