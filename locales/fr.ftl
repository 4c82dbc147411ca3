# Français : les textes de la page. Format et règles : locales/README.md.

## Les états de la page

page-title = Appel rapide EasyVista
working-opening-quick-call = Ouverture de l’appel rapide…
working-opening = Ouverture de { $host }…
working-signing-in = Connexion à Microsoft…
error-heading = L’appel rapide n’a pas pu être ouvert
error-fallback-link = Ouvrir l’ITSM sans appelant
error-internal = la page s’est arrêtée sur une erreur interne : { $detail }
noscript = Cette page a besoin de JavaScript. Demandez à votre administrateur d’autoriser les scripts pour ce site.
boot-no-wasm-heading = Ce navigateur ne peut pas ouvrir l’appel rapide
boot-no-wasm = Il ne prend pas en charge WebAssembly (Internet Explorer, ou un navigateur où WebAssembly est désactivé). Ouvrez ce lien dans Microsoft Edge, Chrome ou Firefox, ou demandez à votre administrateur d’en faire le navigateur par défaut.
boot-start-failed = La page n’a pas pu démarrer : { $detail }

## config.json

config-language-unknown = « { $value } » n’est pas une langue de la page ; utilisez "auto" (les langues du navigateur) ou l’une de : { $languages }
