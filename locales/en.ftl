# English: the page's words, and the fallback for every other catalogue.
# Format and rules: locales/README.md.

## The page's states

page-title = EasyVista Quick Call
working-opening-quick-call = Opening the quick call…
working-opening = Opening { $host }…
working-signing-in = Signing in to Microsoft…
error-heading = The quick call could not be opened
error-fallback-link = Open the ITSM without a caller
error-internal = the page stopped on an internal error: { $detail }
noscript = This page needs JavaScript. Ask your administrator to allow scripts for this site.
boot-no-wasm-heading = This browser cannot open the quick call
boot-no-wasm = It does not support WebAssembly (Internet Explorer, or a browser with WebAssembly turned off). Open this link in Microsoft Edge, Chrome or Firefox, or ask your administrator to make one of them the default browser.
boot-start-failed = The page failed to start: { $detail }

## config.json

config-language-unknown = '{ $value }' is not a language of the page; use "auto" (the browser's languages) or one of: { $languages }
