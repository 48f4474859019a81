## publication
# The publication card, the publish and retry actions, the document previews
# (50-web-ui §6.3, §11).

publication-heading = Publication
publication-never-run = Jamais exécutée
publication-status-queued = En file d'attente
publication-status-running = En cours
publication-status-succeeded = Réussie
publication-status-failed = Échouée
publication-status-unknown = Inconnu
publication-republish-required = Republication nécessaire

publication-hint-in-progress = Publication en cours…
publication-hint-ghsa-pending = Publié automatiquement dès que la GHSA liée est publiée sur GitHub.
publication-hint-ghsa-republish = Republié automatiquement quand la GHSA liée change.
publication-hint-ghsa-live = En ligne dans le dépôt de publication (reflet de la GHSA liée).
publication-hint-triage = Disponible une fois le signalement accepté (et relu).
publication-hint-dismissed = Sans objet tant que l'avis est écarté.
publication-hint-review-submitted = Bloqué tant que la relecture est en cours.
publication-hint-approved = Prêt à publier.
publication-hint-changes-requested = Le relecteur a demandé des modifications — corrigez-les d'abord.
publication-hint-draft = Publiez quand l'avis est prêt (une relecture peut être requise).
publication-hint-republish = En ligne — mais les modifications depuis la dernière publication doivent être republiées.
publication-hint-failed = La dernière publication a échoué.
publication-hint-live = En ligne dans le dépôt de publication.

publication-refresh = Actualiser
publication-run = Exécution
publication-version = version { $version }
publication-started-by = lancée par { $who }
publication-commit = Commit
publication-attempts = Tentatives
publication-last-error = Dernière erreur
publication-history = Historique
publication-preview-osv = Aperçu OSV
publication-preview-csaf = Aperçu CSAF
publication-preview-cve = Aperçu CVE
publication-diff = Différences avec la version actuelle
publication-retry = Relancer
publication-publish = Publier…
publication-republish = Republier…
publication-confirm-explain = La publication pousse la dernière version de l'avis vers le dépôt public. Saisissez l'identifiant de l'avis pour confirmer :
publication-confirm-label = Identifiant de l'avis
publication-confirm-submit = Publier
publication-back-to = ← Retour à { $id }

publication-flash-started = Publication lancée.
publication-flash-retry-started = Nouvelle tentative de publication lancée.
publication-flash-mismatch = L'identifiant saisi ne correspond pas. Rien n'a été publié.
publication-error-not-failed = La tâche n'est pas à l'état « failed ».
publication-error-unknown-kind = Type de document inconnu.

publication-path = Chemin dans le dépôt
publication-download = Télécharger le JSON
publication-back-to-advisory = Retour à l'avis

publication-admin-title = Publication
publication-admin-forbidden = La console d'administration est réservée aux administrateurs globaux.
publication-admin-queue = File de publication
publication-admin-failed = Exports de publication en échec
publication-admin-awaiting = En attente de republication
publication-admin-recent = Publiés récemment
publication-admin-none = Rien ici.
publication-admin-advisory = Avis
publication-admin-status = État
publication-admin-started = Démarré
publication-admin-failed-at = Échec
publication-admin-actions = Actions
publication-admin-retry = Relancer…
publication-admin-retry-explain = Une nouvelle exécution publie la dernière version de l'avis.
publication-admin-project = Projet
publication-admin-edited = Modifié
publication-admin-summary = Résumé
publication-admin-published = Publié
