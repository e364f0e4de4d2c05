#include "difelus/guide.h"

#include <string.h>

/* Content written from the organisation's 2023 guide (shared/seed), brought up to date
 * with the law as of November 2026 (shared/DESIGN.md §2): FranceConnect+ through La Poste
 * or France Identité, 400 € a year up to 800 €, 4 jours ouvrés to confirm, at least
 * 11 jours ouvrés between request and start (advise four weeks).
 * The texts hold non-breaking spaces (U+00A0, invisible here) before : ; ! ? » and €,
 * after «, between a number and its unit and inside dates, so that no line on screen
 * starts with a lone sign: tests/test_guide_typography.c says where one is missing. */

#define NEVER_GIVE_CODES                                                                  \
    "Ne donnez jamais votre code secret ni un code reçu par SMS, à personne : ni au "     \
    "téléphone, ni par mail, pas même au support."

static const struct guide_item items1[] = {
    {"1.choix", "J'ai choisi : L'Identité Numérique La Poste ou France Identité"},
    {"1.application", "J'ai installé l'application choisie sur mon téléphone"},
    {"1.creation", "J'ai créé mon identité numérique (en ligne ou au bureau de poste)"},
    {"1.code", "J'ai choisi mon code secret et je le garde pour moi"},
};
static const char *const warnings1[] = {
    "Mon Compte Formation (MCF) n'accepte que FranceConnect+ (depuis octobre 2022) : un simple "
    "compte FranceConnect (impots.gouv, ameli…) ne suffit pas.",
    NEVER_GIVE_CODES,
};

static const struct guide_item items2[] = {
    {"2.connexion", "Je me suis connecté(e) à moncompteformation.gouv.fr (FranceConnect+)"},
    {"2.confirmation", "J'ai confirmé la connexion sur mon téléphone avec mon code secret"},
    {"2.premiere", "1re connexion : j'ai rempli mes informations et accepté les conditions"},
    {"2.compte-elu", "J'ai ouvert « Compte élu » et noté mon solde DIF élu (touche s)"},
};
static const char *const warnings2[] = {
    NEVER_GIVE_CODES,
    "Le DIF élu est crédité de 400 € par année de mandat, jusqu'à 800 € au plus : un seul "
    "compteur, même avec plusieurs mandats.",
};

static const struct guide_item items3[] = {
    {"3.rubrique", "J'ai ouvert la rubrique « Recherche de formation »"},
    {"3.mandat", "J'ai sélectionné mon mandat électoral"},
    {"3.nom", "J'ai écrit le nom ou le thème de la formation"},
    {"3.modalite", "J'ai précisé « en présentiel » ou « à distance », et le lieu"},
    {"3.choix", "J'ai trouvé la formation qui me convient et noté ses dates"},
};
static const char *const warnings3[] = {
    "Prévoyez quatre semaines entre votre demande et le début du stage : il faut au moins "
    "11 jours ouvrés, et deux semaines ne suffisent pas.",
    "Une formation liée au mandat doit commencer et se terminer pendant votre mandat.",
};

static const struct guide_item items4[] = {
    {"4.dates", "J'ai vérifié les dates, le lieu et le prix de la session"},
    {"4.solde", "J'ai vérifié que mon solde DIF élu couvre le prix"},
    {"4.creation", "J'ai cliqué sur « Créer mon dossier d'inscription » et validé"},
};
static const char *const warnings4[] = {
    "Si le prix dépasse votre solde DIF élu, la différence reste à votre charge : "
    "vérifiez-la avant d'aller plus loin.",
};

static const struct guide_item items5[] = {
    {"5.champs", "J'ai rempli les champs utiles du dossier d'inscription"},
    {"5.envoi", "J'ai envoyé ma demande d'inscription"},
    {"5.date", "J'ai noté la date d'envoi de ma demande"},
};
static const char *const warnings5[] = {
    "L'organisme de formation doit vous répondre sous 2 jours ouvrés. Sans réponse dans ce "
    "délai, votre demande n'est plus valable : contactez l'organisme, puis refaites une "
    "demande si besoin.",
    "Le stage doit commencer au moins 11 jours ouvrés après votre demande (visez quatre "
    "semaines).",
};

static const struct guide_item items6[] = {
    {"6.mail", "Je surveille ma boîte mail, courriers indésirables compris"},
    {"6.reception", "J'ai reçu le mail de l'organisme qui valide ma demande"},
    {"6.confirmation", "J'ai confirmé mon inscription dans mon dossier de formation"},
};
static const char *const warnings6[] = {
    "Vous avez 4 jours ouvrés (hors samedi, dimanche et jours fériés) pour confirmer. "
    "Sinon, l'inscription est annulée !",
    NEVER_GIVE_CODES,
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct guide_step steps[GUIDE_STEPS] = {
    {1, "Créer mon identité numérique",
     "Pour ouvrir votre compte formation d'élu, il vous faut une identité numérique "
     "FranceConnect+. Deux solutions : L'Identité Numérique La Poste, ou l'application "
     "France Identité.",
     items1, COUNT(items1), warnings1, COUNT(warnings1),
     "L'Identité Numérique La Poste : installez l'application « L'Identité Numérique La "
     "Poste », touchez « Créer votre identité numérique » et suivez les instructions. La "
     "vérification de votre pièce d'identité se fait en ligne ou dans n'importe quel "
     "bureau de poste. France Identité : l'application de l'État, pour une carte "
     "d'identité au format carte bancaire et un téléphone qui lit les cartes sans contact. "
     "Dans les deux cas, vous choisissez un code secret : il est à vous seul."},
    {2, "Accéder à mon compte formation",
     "Allez sur moncompteformation.gouv.fr, choisissez « S'identifier avec FranceConnect+ » "
     "puis votre identité numérique. Dans « Compte élu », vous voyez votre DIF élu.",
     items2, COUNT(items2), warnings2, COUNT(warnings2),
     "Avec La Poste, choisissez « J'utilise l'application L'Identité Numérique La Poste » "
     "et donnez votre numéro de téléphone : vous recevez une notification ou un SMS, et "
     "vous confirmez avec votre code secret. À la première connexion, remplissez les "
     "informations demandées et acceptez les conditions générales d'utilisation. Le solde "
     "lu sur « Compte élu » peut être noté dans difelus (touche s) : il servira à "
     "vérifier que le prix d'une formation est couvert."},
    {3, "Rechercher une formation",
     "Dans la rubrique « Recherche de formation », indiquez votre mandat électoral, le "
     "nom ou le thème de la formation, la modalité (en présentiel ou à distance) et le "
     "lieu, puis lancez la recherche.",
     items3, COUNT(items3), warnings3, COUNT(warnings3),
     "La page de résultats affiche les formations sur ce thème près du lieu choisi, dont "
     "celles de votre organisme de formation. Une formation « liée au mandat » doit être "
     "donnée par un organisme agréé par le ministère ; une formation de « reconversion » "
     "se fait pendant un mandat, ou quand vous n'avez plus de mandat local et n'avez pas "
     "demandé votre retraite : le dossier doit alors être validé au plus tard 6 mois "
     "après la fin de votre dernier mandat. Notez les dates de la session avant de passer à "
     "l'étape suivante."},
    {4, "Créer mon dossier d'inscription",
     "Sur la page de la formation choisie, cliquez sur « Créer mon dossier d'inscription » "
     "et validez. Vous arrivez dans votre dossier d'inscription.",
     items4, COUNT(items4), warnings4, COUNT(warnings4),
     "Le DIF élu prend en charge le prix de la formation, ainsi que les frais de "
     "déplacement et de séjour, dans les conditions prévues pour les fonctionnaires. "
     "Avant de créer le dossier, comparez le prix à votre solde DIF élu (400 € par année "
     "de mandat, 800 € au plus)."},
    {5, "Envoyer ma demande",
     "Renseignez les champs utiles du dossier d'inscription, puis envoyez votre demande. "
     "L'organisme de formation reçoit la demande et vous répond sous 2 jours ouvrés.",
     items5, COUNT(items5), warnings5, COUNT(warnings5),
     "Les jours ouvrés vont du lundi au vendredi, sans les jours fériés. Une demande "
     "envoyée un vendredi attend donc une réponse au plus tard le mardi suivant. Gardez la "
     "date d'envoi : c'est d'elle que partent les délais."},
    {6, "Confirmer mon inscription",
     "Quand l'organisme accepte votre demande, vous recevez un mail et votre dossier passe "
     "« À valider ». Retournez dans votre dossier sur Mon Compte Formation et confirmez : "
     "cela valide votre inscription et le prépaiement.",
     items6, COUNT(items6), warnings6, COUNT(warnings6),
     "Le délai de 4 jours ouvrés part du jour où l'organisme valide votre demande. Si vous "
     "êtes salarié(e), prévenez votre employeur 30 jours à l'avance pour le congé de "
     "formation d'élu (24 jours par mandat depuis la loi de 2025, à vérifier auprès de "
     "votre employeur)."},
};

const char *const guide_general_help =
    "difelus enregistre chaque coche et chaque saisie aussitôt : vous pouvez quitter à tout "
    "moment et reprendre plus tard, au même endroit. Il ne vous demandera jamais vos mots "
    "de passe, votre code secret ni vos codes SMS, et ne les enregistre pas.";

/* Each status proves what came before it on MCF: a request sent was filled in and sent
 * from a dossier created; an acceptance came by mail; a validated dossier was confirmed.
 * A refusal still proves the request was sent; a cancellation proves nothing more. */
static const char *const done_by_creation[] = {"4.creation", NULL};
static const char *const done_by_sending[] = {"4.creation", "5.champs", "5.envoi", "5.date",
                                              NULL};
static const char *const done_by_acceptance[] = {"4.creation", "5.champs", "5.envoi",
                                                 "5.date", "6.mail", "6.reception", NULL};
static const char *const done_by_confirmation[] = {"4.creation", "5.champs", "5.envoi",
                                                   "5.date", "6.mail", "6.reception",
                                                   "6.confirmation", NULL};
static const char *const done_by_nothing[] = {NULL};

const char *const *guide_items_done_by_status(enum dossier_status s)
{
    switch (s) {
    case DS_CREATION:
        return done_by_creation;
    case DS_SENT:
    case DS_REFUSED:
        return done_by_sending;
    case DS_PROPOSAL:
    case DS_TO_VALIDATE:
        return done_by_acceptance;
    case DS_VALIDATED:
    case DS_IN_TRAINING:
    case DS_DONE:
        return done_by_confirmation;
    case DS_CANCELLED:
    case DS_COUNT:
        break;
    }
    return done_by_nothing;
}

const struct guide_step *guide_step(int number)
{
    if (number < 1 || number > GUIDE_STEPS)
        return NULL;
    return &steps[number - 1];
}

const struct guide_item *guide_item_find(const char *id, int *step_out)
{
    for (int s = 0; s < GUIDE_STEPS; s++) {
        for (size_t i = 0; i < steps[s].item_count; i++) {
            if (strcmp(steps[s].items[i].id, id) == 0) {
                if (step_out)
                    *step_out = s + 1;
                return &steps[s].items[i];
            }
        }
    }
    return NULL;
}
