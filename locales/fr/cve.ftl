## cve

# Le panneau CVE de la page d'un avis (50-web-ui §6.2)
cve-heading = CVE
cve-assigned = CVE attribué
cve-requests = Demandes
cve-hint-assigned = Un CVE est attribué à cet avis.
cve-hint-pending = Réservation de CVE en attente : les administrateurs vont réserver un CVE ou répondre à la demande.
cve-hint-banned = Les demandes de CVE sont désactivées pour cet avis.
cve-hint-available = Pas encore de CVE. Les propriétaires peuvent en demander un à l'Eclipse Foundation, en sa qualité de CNA.
cve-hint-withdrawing = Le retrait de cet avis est en cours ; les demandes de CVE sont fermées en attendant.
cve-hint-dismissed = Les demandes de CVE sont fermées tant que l'avis est écarté.
cve-hint-none = Aucun CVE attribué.
cve-requested-by = Demandé par { $who } le { $when }
cve-decided-by = traité par { $who } le { $when }
cve-request = Demander un numéro CVE
cve-id-label = Identifiant CVE
cve-reserve = Attribuer
cve-reject = Refuser la demande…
cve-reject-notes = Motif du refus (obligatoire)
cve-reject-notes-public = Le motif est publié en commentaire, lisible par toutes les personnes ayant accès.
cve-ban-future = Désactiver aussi les prochaines demandes de CVE pour cet avis
cve-reject-submit = Refuser la demande de CVE
cve-cancel = Annuler la demande…
cve-cancel-confirm = Annuler cette demande de CVE sans réponse ? Les propriétaires pourront en faire une nouvelle.
cve-cancel-submit = Annuler la demande de CVE
cve-unassign = Retirer le CVE attribué…
cve-unassign-explain = { $cve } rejoint les CVE orphelins, à rejeter sur cve.org.
cve-unassign-reason = Motif (obligatoire)
cve-unassign-reason-internal = Le motif est publié en commentaire interne (collaborateurs et propriétaires).
cve-unassign-submit = Retirer le CVE attribué
cve-unban = Autoriser les demandes de CVE
cve-history = Historique des demandes
cve-admin-link = Attribution des CVE (console d'administration)
cve-status-queued = En attente
cve-status-reserved = Réservé
cve-status-rejected = Refusée
cve-status-cancelled = Annulée
cve-status-unknown = Inconnu
cve-page-back = Retour à l'avis

# Résultats
cve-requested-flash = CVE demandé.
cve-reserved-flash = { $cve } réservé pour cet avis.
cve-rejected-flash = Demande de CVE refusée.
cve-rejected-banned-flash = Demande de CVE refusée ; les prochaines demandes sont désactivées.
cve-cancelled-flash = Demande de CVE annulée.
cve-unassigned-flash = CVE retiré ; c'est désormais un CVE orphelin.
cve-unbanned-flash = Les demandes de CVE sont de nouveau autorisées.
cve-not-banned-flash = Les demandes de CVE n'étaient pas désactivées.
cve-marked-rejected-flash = { $cve } marqué comme rejeté sur cve.org.
cve-resolved-flash = Réattribution traitée : l'avis porte { $cve }.

# Refus (20-lifecycle §8)
cve-refused-not-owner = Seuls les propriétaires de l'avis (l'équipe de sécurité de son projet et les administrateurs) peuvent demander un CVE.
cve-refused-state = Un CVE ne peut être demandé que pour un avis en brouillon ou publié.
cve-refused-withdrawing = Cet avis est en cours de retrait ; aucun CVE ne peut être demandé pour lui.
cve-refused-banned = Les demandes de CVE sont désactivées pour cet avis.
cve-refused-assigned = Un CVE est déjà attribué à cet avis.
cve-refused-pending = Une demande de CVE est déjà en attente pour cet avis.
cve-refused-not-admin = Seuls les administrateurs de l'équipe de sécurité de l'Eclipse Foundation peuvent faire cela.
cve-refused-not-queued = Cette demande de CVE n'est plus en attente : elle a été traitée ou annulée entre-temps.
cve-refused-none-assigned = Aucun CVE n'est attribué à cet avis.
cve-refused-orphan-not-orphaned = Ce CVE orphelin a déjà été marqué comme rejeté ou réattribué.
cve-refused-task-resolved = Cette tâche de réattribution a déjà été traitée.
cve-refused-advisory-holds-cve = L'avis porte déjà un CVE : retirez-le d'abord.
cve-refused-held-elsewhere = Un autre avis porte désormais ce CVE.
cve-refused-orphan-unavailable = Ce CVE orphelin ne peut pas être réattribué à l'avis.
cve-refused-orphaned-elsewhere = Ce CVE figure parmi les orphelins d'un autre avis ; il ne peut pas être retiré ici.

# Erreurs de saisie
cve-field-cve-id-required = Saisissez l'identifiant CVE à attribuer.
cve-field-cve-id-invalid = Un identifiant CVE a la forme CVE-2026-12345 : CVE, une année sur quatre chiffres et 4 à 19 chiffres.
cve-field-cve-id-taken = Cet identifiant CVE est déjà attribué à un autre avis. Choisissez-en un autre, ou retirez-le d'abord de cet avis.
cve-field-cve-id-orphaned = Cet identifiant CVE est un CVE orphelin en attente de rejet sur cve.org ; il ne peut pas être attribué de nouveau.
cve-field-notes-required = Indiquez pourquoi la demande est refusée.
cve-field-reason-required = Indiquez pourquoi le CVE est retiré.
cve-field-text-invalid = Le texte doit compter au plus 65 536 caractères, sans caractère NUL.
cve-field-status-unknown = Choisissez de réserver, refuser ou annuler la demande.
cve-field-ban-only-on-reject = Les prochaines demandes ne peuvent être désactivées qu'en refusant une demande.
cve-field-outcome-unknown = Indiquez si le rejet a été annulé ou si un nouveau CVE est attribué.

# La page d'attribution des CVE de la console d'administration (50-web-ui §14.2)
cve-admin-title = Attribution des CVE
cve-admin-queued = Avis en attente de réservation de CVE
cve-admin-orphans = CVE orphelins (en attente de rejet sur cve.org)
cve-admin-reassignments = Réattributions de CVE après réouverture
cve-admin-banned = Demandes de CVE désactivées
cve-admin-resolved = Traités récemment
cve-admin-none = Rien ici.
cve-admin-advisory = Avis
cve-admin-project = Projet
cve-admin-requested = Demandé
cve-admin-previous = Avis précédent
cve-admin-unassigned = Retiré
cve-admin-status = Statut
cve-admin-actions = Actions
cve-admin-deleted = (avis supprimé)
cve-admin-mark-notes = Notes (facultatives)
cve-admin-mark-rejected = Marquer comme rejeté sur cve.org
cve-admin-outcome-reassigned = Rejet annulé — réattribuer { $cve }
cve-admin-outcome-replaced = Impossible d'annuler — attribuer un nouveau numéro CVE
cve-admin-replacement = Nouvel identifiant CVE (pour un nouveau numéro)
cve-admin-resolve-notes = Notes (facultatives)
cve-admin-resolve = Traiter
cve-admin-allow = Autoriser les demandes de CVE
cve-admin-by = par { $who }
cve-orphan-status-orphaned = Orphelin
cve-orphan-status-marked_rejected = Marqué comme rejeté
cve-orphan-status-reassigned = Réattribué
cve-task-status-queued = En attente
cve-task-status-resolved_reassigned = Réattribué
cve-task-status-resolved_replaced = Remplacé
