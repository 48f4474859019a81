# AdvisoryHub — catalogue français. Chaque clé de en.ftl doit exister ici.

app-name = AdvisoryHub
app-tagline = Le registre de référence des avis de sécurité.
skip-to-content = Aller au contenu
nav-main = Navigation principale
nav-advisories = Avis
nav-home = Accueil

footer-report-issue = Signaler un problème
footer-ask-question = Poser une question
footer-report-vulnerability = Signaler une vulnérabilité dans AdvisoryHub
footer-language = Langue
footer-language-submit = Changer de langue
footer-version = AdvisoryHub v{ $version }

home-title = Bienvenue
home-lead = AdvisoryHub est l’outil où les équipes de sécurité rédigent, relisent, publient et auditent leurs avis de sécurité.
home-embargo = Le contenu sous embargo reste privé jusqu’à sa publication.

error-back-home = Retour à l’accueil
error-request-id = Référence de la requête : { $id }
error-400-title = Requête invalide
error-400-body = La requête n’a pas pu être comprise.
error-403-title = Accès refusé
error-403-body = Vous n’êtes pas autorisé à effectuer cette action.
error-404-title = Page introuvable
error-404-body = Il n’y a rien à cette adresse.
error-405-title = Méthode non autorisée
error-405-body = Cette adresse n’accepte pas ce type de requête.
error-408-title = Délai dépassé
error-408-body = La requête a pris trop de temps. Veuillez réessayer.
error-413-title = Requête trop volumineuse
error-413-body = La requête dépasse la taille acceptée par ce serveur.
error-415-title = Type de contenu non pris en charge
error-415-body = Le corps de la requête n’est pas dans un format accepté à cette adresse.
error-422-title = Saisie invalide
error-422-body = Certaines valeurs envoyées ne sont pas valides.
error-429-title = Trop de requêtes
error-429-body = Limite de requêtes dépassée. Réessayez dans une minute.
error-500-title = Une erreur est survenue
error-500-body = Une erreur inattendue s’est produite de notre côté. Elle a été enregistrée.
error-503-title = Service indisponible
error-503-body = AdvisoryHub ne peut pas répondre pour le moment. Veuillez réessayer sous peu.
error-other-title = Échec de la requête
error-other-body = La requête n’a pas pu aboutir.
error-retry = Revenir en arrière et réessayer

nav-sign-in = Se connecter
nav-sign-out = Se déconnecter
yes = Oui
no = Non
home-signed-in-as = Connecté en tant que
home-sign-in-hint = Connectez-vous avec le compte de votre organisation pour continuer.

sign-in-failed-title = Échec de la connexion
sign-in-failed-retry = Réessayer de se connecter
signed-out-title = Vous êtes déconnecté
signed-out-again = Se reconnecter

account-title = Votre compte
account-profile = Profil
account-email = Courriel
account-name = Nom
account-global-admin = Administrateur global
account-groups = Groupes
account-no-groups = Vous n’appartenez à aucun groupe.
account-groups-hint = Les groupes viennent de votre fournisseur d’identité et sont mis à jour à chaque connexion.
account-security-team = Équipe de sécurité
account-sessions = Sessions actives
account-session-signed-in = Connexion
account-session-last-used = Dernière utilisation
account-session-address = Adresse
account-session-browser = Navigateur
account-session-this = ce navigateur
account-sign-out-everywhere = Se déconnecter partout

admin-user-account = Compte
admin-user-subject = Identifiant chez le fournisseur
admin-user-joined = Inscription
admin-user-last-login = Dernière connexion
admin-user-access = Accès au compte
admin-user-active = Ce compte est actif.
admin-user-banned = Banni
admin-user-ban-reason = Motif
admin-user-ban = Bannir ce compte
admin-user-unban = Lever le bannissement
