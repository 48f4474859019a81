## review

# The review card (50-web-ui §6.3)
review-heading = Relecture
review-status-none = Non soumis
review-status-submitted = Soumis
review-status-approved = Approuvé
review-status-changes_requested = Modifications demandées
review-hint-triage = La relecture s’ouvre une fois le signalement accepté comme brouillon.
review-hint-dismissed = Sans objet tant que l’avis est écarté.
review-hint-published = Relecture passée — déjà publié.
review-hint-none = Non soumis.
review-hint-submitted = En attente d’une décision des administrateurs.
review-hint-approved = Approuvé — la publication est possible.
review-hint-changes-requested = Le relecteur a demandé des modifications. Rouvrez, modifiez, puis soumettez de nouveau.
review-submitted-by = Soumis par { $who } le { $when }.
review-pinned-version = En relecture : version { $version }.
review-diff = Voir les changements depuis la version soumise
review-last-decision = Dernière décision :
review-decided-by = par { $who } le { $when }
review-submit = Soumettre pour relecture
review-submit-confirm = Soumettre cet avis pour relecture ? Seuls les administrateurs pourront le modifier jusqu’à la décision ou au retrait de la relecture.
review-withdraw = Retirer de la relecture
review-withdraw-confirm = Retirer cet avis de la relecture ?
review-notes-disclosure = Ajouter des notes de décision
review-notes = Notes de décision (facultatives)
review-notes-public = Les notes sont publiées en commentaire, lisible par toute personne ayant accès.
review-approve = Approuver
review-request-changes = Demander des modifications
review-revoke = Révoquer l’approbation…
review-revoke-reason = Motif (facultatif)
review-revoke-internal = Le motif est publié en commentaire interne, pour les collaborateurs et les propriétaires.
review-revoke-submit = Révoquer l’approbation
review-reopen = Rouvrir pour modification

# Flash messages (50-web-ui §6.6)
review-submitted-flash = Soumis pour relecture.
review-withdrawn-flash = Relecture retirée.
review-reopened-flash = Relecture rouverte.
review-revoked-flash = Approbation révoquée.
review-approved-flash = Relecture approuvée.
review-changes-requested-flash = Modifications demandées.
review-unknown-decision = Décision inconnue « { $decision } ».

# Refusals
review-refused-ghsa = Un avis lié à une GHSA n’a pas de relecture ici : il suit son avis GitHub.
review-refused-admin-submit = Les administrateurs relisent les avis ; ils ne peuvent pas les soumettre pour relecture.
review-refused-admin-withdraw = Les administrateurs décident des relectures ; seuls les propriétaires de l’avis peuvent en retirer une.
review-refused-not-owner = Seule l’équipe de sécurité du projet peut soumettre ou retirer une relecture.
review-refused-not-reviewer = Seuls les administrateurs peuvent décider d’une relecture ou révoquer une approbation.
review-refused-not-team = Seuls les administrateurs et l’équipe de sécurité du projet peuvent rouvrir une relecture.
review-refused-not-draft = Seul un brouillon peut être soumis pour relecture.
review-refused-no-version = Cet avis n’a pas encore de version enregistrée à relire.
review-refused-already-submitted = Cet avis est déjà soumis pour relecture.
review-refused-already-decided = Cette relecture a déjà été décidée ou retirée.
review-refused-not-submitted = Cet avis n’est pas soumis pour relecture.
review-refused-not-changes-requested = Seule une relecture dont des modifications ont été demandées peut être rouverte.
review-refused-not-approved = Cet avis n’est pas approuvé.
review-note-invalid = Une note doit être un texte d’au plus 65 536 caractères.

# Timeline prose (20-lifecycle §19)
timeline-review-submitted = l’a soumis pour relecture
timeline-review-approved = a approuvé la relecture
timeline-review-changes-requested = a demandé des modifications
timeline-review-withdrawn = l’a retiré de la relecture
timeline-review-cancelled = a remis la relecture à zéro en écartant l’avis
timeline-review-revoked = a révoqué l’approbation
timeline-review-reopened = a rouvert la relecture pour modification

# Notifications (Q-11)
email-subject-review-withdrawn = [{ $id }] retiré de la relecture
notifications-kind-advisory_review_withdrawn = Retiré de la relecture
