# Décisions de tri sur un signalement (20-lifecycle §6) et boîte de réception de la console d'administration (50-web-ui §14.1).

triage-heading = Tri
triage-badge-routing = Routage
triage-reporter = Signalé par
triage-anonymous = anonyme
triage-hint = Signalement non vérifié. Acceptez-le comme brouillon, déplacez-le vers le bon projet ou écartez-le.
triage-hint-flagged = Signalé pour routage par les admins : seuls les admins en décident tant que le signalement n'est pas levé.
triage-hint-unsorted = Déposé sans projet : attribuez-le à un projet avant de l'accepter comme brouillon.
triage-flagged-banner = Signalé pour routage par les admins
triage-promote = Accepter comme brouillon
triage-promote-submit = Accepter comme brouillon
triage-promote-hint = Le signalement devient un brouillon de ce projet et garde son identifiant, son historique, ses commentaires et ses accès.
triage-flag = Signaler pour routage par les admins…
triage-flag-submit = Signaler pour routage
triage-flag-hint = Confiez le signalement aux admins, qui le déplaceront vers le bon projet.
triage-clear-flag = Lever le signalement…
triage-clear-flag-submit = Lever le signalement
triage-reassign = Attribuer à un projet…
triage-reassign-submit = Attribuer au projet
triage-reassign-note = Note (facultative, conservée dans le journal d'audit)

triage-flash-promoted = Avis accepté comme brouillon.
triage-flash-flagged = Signalé pour routage par les admins.
triage-flash-flag-cleared = Signalement de routage levé.
triage-flash-reassigned = Avis attribué à { $project }.

triage-error-forbidden = Seuls l'équipe de sécurité du projet et les admins peuvent décider de ce signalement.
triage-error-ghsa = Ce signalement reflète un avis GitHub et le suit ; il n'est pas trié ici.
triage-error-unknown-project = Projet inconnu.
triage-error-promote-target-forbidden = Vous ne pouvez accepter ce signalement que dans un projet dont vous êtes dans l'équipe de sécurité.
triage-error-promote-unsorted = Choisissez le projet auquel appartient ce signalement avant de l'accepter comme brouillon.
triage-error-flag-forbidden = Seule l'équipe de sécurité du projet peut signaler ce rapport pour routage par les admins.
triage-error-already-flagged = Ce signalement est déjà signalé pour routage par les admins.
triage-error-clear-forbidden = Seuls l'équipe de sécurité du projet et les admins peuvent lever le signalement de routage.
triage-error-clear-unsorted = Un signalement sans projet reste signalé jusqu'à ce qu'il soit attribué à un projet, accepté ou écarté.
triage-error-not-flagged = Ce signalement n'est pas signalé pour routage par les admins.
triage-error-reassign-forbidden = Seuls l'équipe de sécurité du projet et les admins peuvent déplacer ce signalement.
triage-error-choose-project = Choisissez le projet auquel attribuer cet avis.
triage-error-reassign-target-forbidden = Vous ne pouvez déplacer ce signalement que vers un projet dont vous êtes dans l'équipe de sécurité.

admin-inbox-title = Boîte de réception admin
admin-inbox-chips = Filtrer par catégorie
admin-inbox-all = Tout le travail ouvert ({ $count })
admin-inbox-chip-cve = { $count ->
    [one] 1 demande de CVE
   *[other] { $count } demandes de CVE
}
admin-inbox-chip-review = { $count ->
    [one] 1 revue en attente
   *[other] { $count } revues en attente
}
admin-inbox-chip-needs-publish = { $count } à publier
admin-inbox-chip-triage = { $count } en attente de tri
admin-inbox-chip-routing = { $count } en attente de routage
admin-inbox-chip-orphan = { $count ->
    [one] 1 CVE orpheline
   *[other] { $count } CVE orphelines
}
admin-inbox-chip-reassignment = { $count ->
    [one] 1 réattribution de CVE
   *[other] { $count } réattributions de CVE
}
admin-inbox-chip-withdrawal = { $count ->
    [one] 1 demande de retrait
   *[other] { $count } demandes de retrait
}
admin-inbox-chip-recent = Activité récente
admin-inbox-type = Type
admin-inbox-item = Élément
admin-inbox-age = Âge
admin-inbox-empty = Rien n'attend ici.
admin-inbox-badge-cve = CVE
admin-inbox-badge-review = Revue
admin-inbox-badge-publish = Publication
admin-inbox-badge-triage = Tri
admin-inbox-badge-routing = Routage
admin-inbox-badge-orphan = Orpheline
admin-inbox-badge-reassign = Réattribution
admin-inbox-badge-withdraw = Retrait
admin-inbox-submitted-by = soumis par { $who }
admin-inbox-edited-since-publish = modifié depuis la publication · { $project }
admin-inbox-reopened = rouvert : { $id }
admin-inbox-advisory-deleted = (avis supprimé)
admin-inbox-withdrawal-requested = retrait demandé : { $project }
admin-inbox-anonymous = anonyme
admin-inbox-pages = Pages
admin-inbox-page = Page { $page } sur { $pages }
admin-inbox-previous = ← Plus récents
admin-inbox-next = Plus anciens →
admin-inbox-more = Suite dans les pages de section :
admin-inbox-more-cve = Demandes de CVE ({ $count } non affichées)
admin-inbox-more-publish = À publier ({ $count } non affichés)
admin-inbox-more-orphan = CVE orphelines ({ $count } non affichées)
admin-inbox-more-reassignment = Réattributions de CVE ({ $count } non affichées)
admin-inbox-recent-when = Quand
admin-inbox-recent-who = Qui
admin-inbox-recent-what = Quoi
admin-inbox-recent-advisory = Avis
admin-inbox-system = système
nav-admin-console = Console d'administration
timeline-triage-submitted = l'a signalé par le formulaire public
timeline-triage-promoted = a accepté le signalement comme brouillon
timeline-flagged-for-routing = l'a signalé pour routage par les admins
timeline-routing-flag-cleared = a levé le signalement de routage
