// The script-tag page: the loader is window.WasiGfxLoader.
'use strict';
window.runLoaderPage(window.WasiGfxLoader);
