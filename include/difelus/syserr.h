/* System error numbers in French: strerror() speaks the C library's language (English on
 * most machines, whatever LANG says), and an official must never read English text. */
#ifndef DIFELUS_SYSERR_H
#define DIFELUS_SYSERR_H

/* A short French description of errno value e, lower case, without final period
 * ("fichier ou dossier introuvable"). Use it wherever strerror() would reach the user.
 * The text of an unknown number lives in a static buffer (not thread-safe). */
const char *syserr_text(int e);

#endif
