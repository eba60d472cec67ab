/* src/banned.h - functions drover's code must not call, included last by
 * every .c file so a use fails to compile: unbounded string copies and
 * formatting, and the non-reentrant time and token helpers. */
#ifndef DROVER_BANNED_H
#define DROVER_BANNED_H

#define DR_BANNED(func) sorry_##func##_is_banned

#undef strcpy
#define strcpy(x, y) DR_BANNED(strcpy)
#undef strcat
#define strcat(x, y) DR_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) DR_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) DR_BANNED(strncat)
#undef sprintf
#define sprintf(...) DR_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) DR_BANNED(vsprintf)
#undef gets
#define gets(x) DR_BANNED(gets)
#undef strtok
#define strtok(x, y) DR_BANNED(strtok)
#undef gmtime
#define gmtime(t) DR_BANNED(gmtime)
#undef localtime
#define localtime(t) DR_BANNED(localtime)

#endif
