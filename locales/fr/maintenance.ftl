## maintenance

# La page de pause, le bandeau et la page d'administration (90-operations §7, 50-web-ui §3, §14.11)
maintenance-paused-title = Maintenance en cours
maintenance-paused-body = La consultation reste possible ; la modification demandée n'a pas été enregistrée. Veuillez réessayer plus tard.
maintenance-default-message = Les actions sont temporairement suspendues pendant la maintenance d'AdvisoryHub.
maintenance-banner-admin = Le mode maintenance est ACTIVÉ — les utilisateurs ordinaires sont en pause.
maintenance-banner-manage = Gérer
maintenance-title = Mode maintenance
maintenance-forbidden = La console d'administration est réservée aux administrateurs globaux.
maintenance-explain = Tant que le mode maintenance est activé, seuls les administrateurs globaux peuvent modifier quoi que ce soit : toute modification des autres utilisateurs est refusée avec une page « Maintenance en cours ». La connexion, les sondes de santé et le webhook GitHub continuent de fonctionner. Les workers continuent de tourner ; réduisez-les à zéro pour une base de données au repos.
maintenance-state-on = Actuellement ACTIVÉ
maintenance-state-off = Actuellement DÉSACTIVÉ
maintenance-changed-by = Modifié par { $who } le { $when }
maintenance-enabled-label = Mode maintenance activé
maintenance-message-label = Message affiché aux utilisateurs
maintenance-message-placeholder = p. ex. Mise à niveau de la base de données jusqu'à 14:00 UTC.
maintenance-save = Enregistrer
maintenance-now-on = Le mode maintenance est maintenant ACTIVÉ. Les utilisateurs ordinaires sont en pause.
maintenance-now-off = Le mode maintenance est maintenant DÉSACTIVÉ.
maintenance-message-saved = Message de maintenance mis à jour (le mode reste DÉSACTIVÉ).
maintenance-no-change = Aucun changement.
maintenance-too-long = Le message est trop long ({ $max } caractères au plus).

# Droit à l'oubli sur la page d'administration d'un utilisateur (50-web-ui §14.9)
forget-heading = Droit à l'oubli (RGPD)
forget-explain = Oublier un compte est irréversible : son adresse e-mail et ses noms sont remplacés partout par un pseudonyme, ses commentaires sont masqués, ses invitations en attente et ses entrées du journal d'accès sont supprimées, et il ne peut plus se connecter.
forget-reason = Justification (obligatoire)
forget-confirm-email = Saisissez l'adresse e-mail du compte pour confirmer
forget-submit = Oublier ce compte…
forget-self = Vous ne pouvez pas oublier votre propre compte.
forget-reason-required = Une justification est requise pour oublier un compte.
forget-confirm-mismatch = L'adresse e-mail de confirmation ne correspond pas.
forget-done = { $email } a été oublié et anonymisé.
forget-forgotten = Ce compte a été oublié.
forget-not-permitted = Le rôle de base de données de l'application web ne peut pas réécrire le journal d'audit (il n'est pas membre de hub_retention) ; rien n'a été modifié. Utilisez la commande forget-user.

# Le marqueur de rétention en tête d'une chronologie (20-lifecycle §19.7)
timeline-pruned-before = Les événements antérieurs à cette date ont été supprimés par la rétention d'audit ; l'historique commence incomplet.
