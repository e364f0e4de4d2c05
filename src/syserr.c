#include "difelus/syserr.h"

#include <errno.h>
#include <stdio.h>

const char *syserr_text(int e)
{
    switch (e) {
    case ENOENT: return "fichier ou dossier introuvable";
    case EACCES:
    case EPERM: return "permission refusée";
    case EROFS: return "le disque est en lecture seule";
    case ENOSPC: return "le disque est plein";
    case EDQUOT: return "votre quota d'espace disque est atteint";
    case EFBIG: return "fichier trop grand pour le disque ou la limite fixée";
    case EISDIR: return "c'est un dossier";
    case ENOTDIR: return "un élément du chemin n'est pas un dossier";
    case EEXIST: return "le fichier existe déjà";
    case ENAMETOOLONG: return "nom de fichier trop long";
    case ELOOP: return "trop de liens symboliques (une boucle ?)";
    case EIO: return "erreur de lecture ou d'écriture sur le disque";
    case ENOMEM: return "mémoire insuffisante";
    case EMFILE:
    case ENFILE: return "trop de fichiers ouverts";
    case EBUSY:
    case ETXTBSY: return "fichier ou périphérique occupé";
    case EINTR: return "interrompu par un signal";
    case EAGAIN: return "ressource momentanément indisponible";
    case EBADF: return "descripteur de fichier invalide";
    case EINVAL: return "argument invalide";
    case ENXIO:
    case ENODEV: return "périphérique absent";
    case EPIPE: return "le programme à l'autre bout s'est arrêté";
    case ENOTTY: return "ce n'est pas un terminal";
    case EXDEV: return "les deux fichiers sont sur des disques différents";
    case ENOTEMPTY: return "le dossier n'est pas vide";
    case ECONNREFUSED: return "connexion refusée";
    case ECONNRESET: return "connexion interrompue par l'autre machine";
    case ETIMEDOUT: return "délai dépassé";
    case ENETUNREACH:
    case ENETDOWN: return "réseau inaccessible";
    case EHOSTUNREACH: return "machine injoignable";
    case ESTALE: return "fichier réseau devenu inaccessible";
    default: {
        static char unknown[48];
        snprintf(unknown, sizeof unknown, "erreur système n° %d", e);
        return unknown;
    }
    }
}
