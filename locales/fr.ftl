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
boot-from-file = Cette page a été ouverte depuis un fichier (file://) et les navigateurs n’exécutent pas ses scripts depuis le disque. Ouvrez-la depuis le serveur web où elle est déployée (par exemple https://intranet/quickcall/), ou lancez `cargo xtask demo` pour l’essayer.
boot-not-started = La page n’a pas démarré en { $seconds } secondes : un script ou le module WebAssembly manque, est servi avec un mauvais type (IIS : utilisez le web.config livré avec la page) ou est bloqué par un proxy. Lancez `lync-quickcall check` avec l’adresse de cette page pour savoir lequel.
boot-start-failed = La page n’a pas pu démarrer : { $detail }
handover-failed = La partie Microsoft Graph de la page (graph.js et son module WebAssembly, à côté d’index.html) n’a pas pu être chargée : { $detail }. Copiez tous les fichiers du dossier de la page sur le serveur, puis lancez `lync-quickcall check` avec l’adresse de cette page.

## config.json

config-language-unknown = « { $value } » n’est pas une langue de la page ; utilisez "auto" (les langues du navigateur) ou l’une de : { $languages }

## config.json

config-invalid-json = config.json n’est pas valide : { $message }
config-field = config.json, champ « { $field } » : { $problem }
config-unknown-field = n’est pas un champ connu (les champs connus sont : { $known })
config-url-spaces = « { $value } » doit être une URL sans espaces autour
config-url-not-absolute = « { $value } » n’est pas une URL absolue ({ $error })
config-url-scheme = « { $value } » doit commencer par https:// (ou http://)
config-url-no-host = « { $value } » n’a pas de nom d’hôte
config-url-credentials = « { $value } » ne doit contenir ni nom d’utilisateur ni mot de passe
config-url-query = « { $value } » ne doit avoir ni requête ? ni fragment #
config-placeholder-missing = « { $value } » n’a pas de marqueur { $placeholder }
config-placeholder-outside-query = « { $value } » : { $placeholder } ne peut figurer que dans la requête, après « ? »
config-no-profile = aucun profil n’est défini ; ajoutez-en un, par exemple { $example }
config-profile-name = un nom de profil ne peut contenir que des lettres, des chiffres, « - », « _ » et « . »
config-unused-by-method = n’est pas utilisé par la méthode « { $method } »
config-sso-needs-itsm = la méthode « sso » nécessite itsm_url (ici ou à la racine du fichier)
config-autoconnect-needs-link = la méthode « autoconnect » nécessite le lien de connexion automatique généré par EasyVista
config-template-needs-url = la méthode « template » nécessite une url contenant { $placeholder }
config-method-unknown = « { $value } » n’est pas une méthode ; utilisez "sso", "autoconnect" ou "template"
config-default-profile-unknown = « { $value } » ne fait pas partie des profils
config-default-profile-required = est obligatoire lorsqu’il y a plusieurs profils
config-profile-undefined = le lien demande le profil « { $name } », que config.json ne définit pas (profils définis : { $profiles })

## Champs JSON

json-field = le champ « { $field } » { $problem }
json-must-be = doit être { $expected }, pas { $found }
json-missing = est absent
json-whole-number-range = doit être un nombre entier de 0 à 2^53
json-kind-null = null
json-kind-bool = true ou false
json-kind-number = un nombre
json-kind-whole-number = un nombre entier
json-kind-string = une chaîne
json-kind-list = une liste
json-kind-object = un objet
json-too-deep = le JSON est trop profondément imbriqué
json-not-a-value = ce n’est pas une valeur JSON
json-key-not-string = une clé d’objet n’est pas une chaîne

## Annuaire

directory-source-unknown = « { $value } » n’est pas une source d’annuaire ; utilisez "none", "export", "graph" ou "endpoint"
directory-field-other-source = ne sert qu’avec "source": "{ $source }"
directory-key-unusable = « { $value } » n’est pas une clé publique utilisable : { $error }
directory-keys-missing = la source "export" nécessite au moins une clé publique, telle qu’affichée par `lync-quickcall keygen`
directory-path-empty = « { $value } » est vide ; utilisez "directory/"
directory-path-not-relative = « { $value } » doit être un dossier relatif à la page, comme "directory/" (sans schéma ni / au début) : l’export est lu sur le site même de la page
directory-path-dots = « { $value } » ne doit pas contenir de dossiers « . » ou « .. »
directory-path-empty-folder = « { $value } » contient un nom de dossier vide (« // »)
directory-path-characters = « { $value } » ne peut contenir que des lettres, des chiffres, « - », « _ », « . » et « / » dans les noms de dossier
directory-matched-sip = l’adresse SIP elle-même (source d’annuaire "none")

## URL de l’appel rapide

target-bad-user-id = « { $value } » ne peut pas servir d’identifiant utilisateur ITSM (vide, trop long ou avec des caractères de contrôle)
target-off-origin = ouverture de « { $url } » refusée : cette adresse n’est pas sur l’ITSM configuré
target-field6-encoded = « { $value } » a un paramètre field6 encodé en plus de field6 ; collez le lien exactement tel qu’EasyVista l’a généré
target-field6-missing = « { $value } » n’a pas de paramètre field6 ; collez le lien complet généré par EasyVista
target-field6-repeated = « { $value } » contient field6 plus d’une fois

## La décision et le choix de l’appelant

outcome-matched-by = correspondance : { $key }
outcome-is = { $contact } est { $person }
outcome-is-matched = { $contact } est { $person } (correspondance : { $key })
outcome-entry-unusable = l’entrée d’annuaire de { $contact } est inutilisable : { $error }
outcome-not-in-directory = introuvable dans l’annuaire
outcome-unknown-fallback = { $who } : introuvable dans l’annuaire, ouverture de l’ITSM sans appelant
outcome-unknown-failed = { $who } est introuvable dans l’annuaire, et ce profil n’a pas de fallback_url

## Test à blanc (?dryrun=1)

report-profile = Profil
report-user = Utilisateur connecté
report-user-removed = { $user } (retiré des contacts)
report-directory = Annuaire
report-contact = Contact
report-person-matched = { $person } (correspondance : { $key })
report-decision = Décision
report-decision-open = ouvrir l’URL ci-dessous ({ $reason })
report-decision-choose = laisser le technicien choisir parmi { $count }
report-decision-choose-more = laisser le technicien choisir parmi { $count }, { $hidden } autres non affichés
report-decision-error = afficher une erreur : { $message }
report-target = Cible
report-choice = Choix
report-no-link = (pas de lien)
report-fallback = Lien de repli

## Fichiers à côté de la page, stockage du navigateur

fetch-cannot-load = impossible de charger { $path } : { $error }
fetch-cannot-read = impossible de lire { $path } : { $error }
fetch-http-status = le serveur web a répondu HTTP { $status } { $text }
fetch-html-page = le serveur web a répondu par une page HTML au lieu du fichier (une page d’erreur, ou un renvoi vers la page d’accueil) : vérifiez que { $path } est déployé et servi tel quel
fetch-timeout = aucune réponse en { $seconds } s
fetch-not-response = ce n’est pas une réponse
fetch-not-text = la réponse n’est pas du texte
web-no-window = aucune fenêtre
storage-session-unavailable = ce navigateur ne permet pas à la page de conserver la connexion dans le stockage de session
storage-session-failed = impossible de conserver la connexion dans le stockage de session : { $error }
storage-no-random = aucun générateur de nombres aléatoires sécurisé : { $error }

## Fichiers signés (signed.rs)

# Les deux sortes de fichier signé : noms sans article, tous deux masculins (« le { $kind } », « du { $kind } » ci-dessous).
signed-kind-manifest = manifeste de l’annuaire
signed-kind-shard = fragment de l’annuaire
signed-key-not-base64 = elle n’est pas en base64
signed-key-length = elle fait { $len } octets une fois décodée, alors qu’une clé publique Ed25519 en fait 32
signed-key-not-a-point = ce n’est pas une clé publique Ed25519
signed-key-copy = { $problem } ; copiez la clé publique exactement comme `lync-quickcall keygen` l’a affichée
signed-key-weak = c’est une clé Ed25519 faible, pour laquelle n’importe qui peut forger des signatures ; générez-en une nouvelle avec `lync-quickcall keygen`
signed-not-signed = le { $kind } n’est pas un fichier lync-quickcall signé (il commence par « { $found } ») ; le chemin de l’annuaire dans config.json est-il correct, et le dossier a-t-il été copié en entier ?
signed-malformed = la première ligne du { $kind } est endommagée : { $problem }
signed-untrusted = le { $kind } est signé par une clé absente de config.json : { $key } ; si cette clé est la vôtre, ajoutez-la à directory.public_keys
signed-bad-signature = la signature du { $kind } ne correspond pas à son contenu : le fichier a été modifié après avoir été signé (falsification, copie endommagée ou fins de ligne converties) ; relancez l’export
signed-wrong-kind = le { $expected } est en réalité un { $found } : les fichiers sont mélangés ; copiez à nouveau le dossier d’export
signed-header-too-long = elle ne se termine pas dans les { $max } premiers octets
signed-header-crlf = elle se termine par CR LF : le fichier a été copié en mode texte et ses fins de ligne converties, ce qui modifie aussi le contenu signé ; copiez-le en mode binaire
signed-header-not-ascii = ce n’est pas du texte ASCII simple
signed-header-shape = elle devrait être « { $magic } <clé publique> <signature> »
signed-header-key-not-base64 = la clé publique n’est pas en base64
signed-header-signature-not-base64 = la signature n’est pas en base64
signed-header-signature-length = la signature ne fait pas 64 octets

## L’export signé de l’annuaire (published/mod.rs)

export-file-error = { $file } : { $error }
export-unreadable = { $file } : le fichier de l’annuaire est signé mais illisible : { $problem }
export-unknown-format = { $file } : le format d’annuaire « { $found } » n’est pas celui que lit cette page ({ $format }) ; mettez la page à jour vers la version de l’outil d’export
export-expired = l’export de l’annuaire a expiré le { $expires } (date actuelle : { $now }) : l’export planifié ne s’exécute plus ; vérifiez la tâche planifiée et relancez `lync-quickcall export`
export-not-yet-valid = l’export de l’annuaire date du { $created }, ce qui est dans le futur (date actuelle : { $now }) : l’horloge de cet ordinateur ou du serveur d’export est fausse
export-wrong-shard = { $file } : c’est le fragment d’annuaire { $found }, pas celui demandé : des fichiers d’exports différents sont mélangés, ou un fragment a été remplacé ; copiez à nouveau le dossier d’export
export-corrupt = { $file } : l’entrée de l’annuaire est endommagée ({ $problem }) ; relancez l’export
export-shard-not-loaded = erreur interne : le fragment d’annuaire { $file } n’a pas été chargé avant la recherche
export-not-utf8 = ce n’est pas du texte UTF-8
export-no-format = il n’a pas de champ "format"
export-bad-id = l’identifiant d’export « { $id } » n’est pas composé de 32 chiffres hexadécimaux en minuscules
export-bad-salt = le sel n’est pas une valeur base64 de 32 octets
export-shard-bits = shard_bits vaut { $value }, soit plus que { $max }
export-bad-attributes = les noms d’attributs sont trop nombreux, vides, trop longs ou contiennent des caractères de contrôle
export-expires-before-created = il expire avant sa date de création
export-too-long = il se déclare valable plus de { $days } jours, ce que l’outil d’export n’écrit jamais
export-entry-not-pair = l’entrée { $n } n’est pas une paire de chaînes ["id", "ciphertext"]
export-entry-bad-id = l’entrée { $n } a un identifiant de recherche mal formé
export-entry-other-shard = l’entrée { $n } appartient à un autre fragment
export-entry-not-base64 = l’entrée { $n } n’est pas en base64
export-entry-repeated = l’entrée { $n } répète un identifiant de recherche
export-no-decrypt = elle ne peut pas être déchiffrée
export-bad-json = JSON invalide : { $error }
export-not-people = ce n’est pas une liste de personnes
export-people-count = elle ne contient aucune personne, ou trop
export-name-not-string = un nom d’affichage n’est pas une chaîne
export-person-shape = une personne n’est pas [identifiant, nom, attribut]
export-user-id-bad = un identifiant utilisateur est vide ou contient des caractères de contrôle
export-unknown-attribute = elle cite un attribut que le manifeste ne liste pas
export-summary = export signé { $id } de { $users } utilisateurs ({ $keys } clés), créé le { $created }, expire le { $expires }, signé par { $signer }

## Microsoft Graph : paramètres (graph/mod.rs)

graph-url-not-absolute = « { $value } » n’est pas une URL absolue ({ $error })
graph-url-not-https = « { $value } » doit commencer par https:// (un jeton y est envoyé)
graph-tenant-missing = la source "graph" a besoin du locataire (tenant) : son ID (un GUID) ou un domaine vérifié tel que "contoso.onmicrosoft.com"
graph-tenant-shared = « { $value } » accepte la connexion de n’importe quel compte ou organisation Microsoft, mais les contacts doivent être recherchés dans votre propre annuaire professionnel : utilisez l’ID de votre locataire (un GUID) ou un domaine vérifié tel que "contoso.onmicrosoft.com"
graph-tenant-invalid = « { $value } » n’est ni un ID de locataire (un GUID) ni un nom de domaine tel que "contoso.onmicrosoft.com"
graph-client-id-missing = la source "graph" a besoin de l’ID d’application (client) de l’inscription d’application, un GUID
graph-client-id-invalid = « { $value } » n’est pas un GUID ; copiez l’« ID d’application (client) » depuis la vue d’ensemble de l’inscription d’application
graph-userid-attribute-unsupported = « { $value } » n’est pas pris en charge ; utilisez l’une de ces valeurs : { $values }
graph-match-empty = est vide ; indiquez au moins l’une de ces valeurs : { $values }
graph-match-unsupported = « { $value } » n’est pas pris en charge ; utilisez certaines de ces valeurs : { $values }
graph-match-twice = « { $value } » figure deux fois
graph-summary = Microsoft Graph ({ $url }), locataire { $tenant }, identifiant utilisateur lu dans { $attribute }, contacts recherchés par { $properties }

## Microsoft Graph : recherches (graph/users.rs)

graph-not-users = ce n’est pas la liste d’utilisateurs qu’envoie Graph ({ $detail })
graph-said = (réponse de Graph : { $message })
graph-network = Microsoft Graph ({ $origin }) est injoignable ({ $detail }) ; vérifiez le réseau, et que { $origin } figure dans la directive connect-src de la Content-Security-Policy de la page
graph-unauthorized = Microsoft Graph a refusé la connexion, même après une nouvelle connexion (HTTP 401){ $said } ; fermez le navigateur, cliquez à nouveau sur le contact et, si le problème persiste, demandez à votre administrateur de vérifier l’inscription d’application
graph-forbidden = Microsoft Graph a refusé la recherche (HTTP 403){ $said } : l’inscription d’application doit disposer de l’autorisation déléguée Microsoft Graph User.Read.All, avec le consentement administrateur
graph-busy = Microsoft Graph est surchargé ou indisponible (HTTP { $status }, { $attempts } tentatives) ; patientez une minute puis cliquez à nouveau sur le contact
graph-refused = Microsoft Graph a refusé la recherche (HTTP { $status }){ $said }
graph-unreadable = la réponse de Microsoft Graph est illisible : { $detail }
graph-no-user-id = { $contact } a été trouvé dans Entra ID, mais sans valeur pour { $attribute }, l’attribut qui contient l’identifiant utilisateur de l’ITSM (directory.userid_attribute dans config.json)

## Microsoft Graph : connexion (graph/signin.rs, web/graph.rs)

signin-not-started-here = cette réponse de connexion ne correspond à aucune connexion lancée par cette page, ou a déjà été utilisée ; aucune recherche n’a été faite : cliquez à nouveau sur le contact dans Lync
signin-too-slow = la connexion a pris plus de { $minutes } minutes ; cliquez à nouveau sur le contact dans Lync
signin-consent = un administrateur doit donner son consentement à cette application avant qu’elle puisse rechercher des contacts dans Microsoft Graph (AADSTS65001) : demandez à un Administrateur général ou à un Administrateur de rôle privilégié d’ouvrir { $url } et d’accepter l’autorisation User.Read.All
signin-cancelled = la connexion a été annulée, le contact n’a donc pas pu être recherché ; cliquez à nouveau sur le contact dans Lync et connectez-vous avec votre compte professionnel
signin-not-spa = la connexion n’a pas pu aboutir : le navigateur a bloqué la demande de jeton envoyée à { $authority }. Dans l’inscription d’application (Authentification), l’URI de redirection { $uri } doit être enregistrée sous la plateforme « Application monopage », et non « Web » (AADSTS9002326) ; et { $authority } doit figurer dans la directive connect-src de la Content-Security-Policy de la page
signin-platform-said = (réponse de la plateforme d’identités : { $description })
signin-refused = la plateforme d’identités a refusé la connexion ({ $error }) : { $description }
signin-unreadable = la réponse de jeton de la plateforme d’identités est illisible : { $detail }
signin-not-json = HTTP { $status }, pas le JSON qu’envoie la plateforme d’identités ({ $error })
signin-no-error-code = HTTP { $status } sans code d’erreur
signin-no-token = aucun access_token utilisable
signin-not-bearer = le jeton n’est pas de type Bearer
signin-bad-page-url = l’adresse de la page elle-même, { $url }, n’est pas une URL

## Service de recherche (endpoint.rs, web/endpoint.rs)

endpoint-url-missing = la source "endpoint" a besoin de l’URL de recherche, avec { $placeholder } dans sa partie requête, par exemple "{ $example }"
endpoint-credentials-invalid = « { $value } » n’est pas un mode credentials valide ; utilisez "omit", "same-origin" ou "include"
endpoint-userid-empty = est vide
endpoint-matched-by = le service de recherche
endpoint-network = le service de recherche { $endpoint } n’a pas répondu ({ $detail }) ; vérifiez qu’il est en service, qu’il répond aux requêtes CORS pour l’origine de cette page, et que son origine figure dans la directive connect-src de la Content-Security-Policy de la page
endpoint-status = le service de recherche { $endpoint } a répondu HTTP { $status } au lieu d’une liste d’utilisateurs
endpoint-shape = le service de recherche { $endpoint } n’a pas répondu { $shape } : { $detail }
endpoint-no-url = aucune URL de recherche pour { $contact }

## Le choix de l’appelant, la simulation, la page ouverte sans contact

chooser-heading = Qui est l’appelant ?
chooser-more = Personnes non affichées : { $count }.
chooser-keys = Flèches et Entrée pour choisir, ou le numéro de la ligne.
dry-run-heading = Simulation : rien n’a été ouvert
home-about = Cette page ouvre l’appel rapide EasyVista pour la personne sur laquelle vous faites un clic droit dans Lync ou Skype Entreprise.
home-profiles = Profils de config.json :
home-profile-default = { $name } (par défaut)
home-register-profile = Les liens s’ouvriront avec le profil { $name }.
home-register-button = Ouvrir les liens sip: et tel: avec l’appel rapide
home-register-done = Le navigateur vous demande de confirmer ; une fois autorisé, les liens sip: et tel: ouvrent l’appel rapide. Pour l’annuler : chrome://settings/handlers dans Chrome, edge://settings/content/handlers dans Edge, Paramètres › Général › Applications dans Firefox.
home-register-failed = Le navigateur a refusé : { $detail }
home-register-insecure = Cette page ne peut pas ouvrir les liens sip: et tel: : les navigateurs ne le permettent qu’aux pages servies en https.
home-register-unsupported = Ce navigateur ne permet pas à une page d’ouvrir les liens sip: et tel: ; Edge, Chrome et Firefox le permettent.
home-from-lync = Ouverte depuis Lync ? Alors le Path de son entrée de menu ne se termine pas par ?contactId=%contact-id%.

## Le code de la page

page-directory-none = aucun (l’adresse SIP est l’identifiant utilisateur)
page-directory-endpoint = service de recherche { $template }
page-refused-target = ouverture de { $target } refusée : cette adresse n’est pas sur un ITSM configuré
page-export-incomplete = impossible de charger { $url } : le serveur web a répondu HTTP 404 Not Found ; l’export dans { $path } est incomplet : copiez son dossier d’export avant manifest.json, ou relancez l’export

## La requête du lien

query-no-contact = ce lien n’a pas de contactId : dans le registre de Lync, le Path doit se terminer par ?contactId=%contact-id%
query-duplicate = le paramètre « { $name } » apparaît plusieurs fois dans le lien
query-encoding = le paramètre « { $name } » n’est pas de l’UTF-8 valide encodé en pourcentage
query-only-self = le seul contact est vous-même ({ $user }) : faites un clic droit sur l’appelant, pas sur vous
query-profile-name = « { $value } » n’est pas un nom de profil valide

## Les contacts

contact-empty = aucun contact n’a été transmis : le lien doit se terminer par contactId=%contact-id%
contact-too-long = le contact fait { $len } octets, plus que n’importe quelle adresse réelle
contact-too-many = la conversation compte { $count } contacts, plus que les { $max } que cette page accepte
contact-control = le contact « { $value } » contient un caractère de contrôle
contact-scheme = « { $value } » n’est ni une adresse SIP ni un numéro de téléphone (seuls sip:, sips: et tel: sont acceptés)
contact-not-address = « { $value } » n’est pas une adresse valide : { $reason }
contact-not-phone = « { $value } » n’est pas un numéro de téléphone valide
contact-brackets = la liste de contacts « { $value } » a des < et > non appariés
contact-reason-no-at = elle n’a pas de « @ »
contact-reason-two-at = elle a plus d’un « @ »
contact-reason-no-local = rien ne précède « @ »
contact-reason-long-local = la partie avant « @ » dépasse 64 caractères
contact-reason-local-dot = la partie avant « @ » a un « . » mal placé
contact-reason-space = elle contient une espace
contact-reason-slash = elle contient une barre oblique
contact-reason-percent = elle contient « % » (a-t-elle été encodée deux fois ?)
contact-reason-local-char = la partie avant « @ » contient un caractère que les adresses n’utilisent pas
contact-reason-no-domain = rien ne suit « @ »
contact-reason-domain-dot = le domaine après « @ » n’a pas de « . »
contact-reason-empty-label = le domaine après « @ » a un libellé vide
contact-reason-long-label = un libellé du domaine dépasse 63 caractères
contact-reason-label-hyphen = un libellé du domaine commence ou finit par « - »
contact-reason-domain-char = le domaine après « @ » contient un caractère que les domaines n’utilisent pas
