/* ncursesw for Swift: wide-character API switched on here (SwiftPM drops pkg-config -D flags), and
 * the macros and globals Swift cannot import wrapped as inline functions. */
#ifndef SCALPEL_NCURSES_SHIM_H
#define SCALPEL_NCURSES_SHIM_H
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <ncursesw/ncurses.h>

static inline WINDOW *scalpel_stdscr(void) { return stdscr; }
static inline int scalpel_lines(void) { return LINES; }
static inline int scalpel_cols(void) { return COLS; }
static inline int scalpel_colors(void) { return COLORS; }
static inline int scalpel_color_pairs(void) { return COLOR_PAIRS; }
static inline attr_t scalpel_a_bold(void) { return A_BOLD; }
static inline attr_t scalpel_a_dim(void) { return A_DIM; }
static inline attr_t scalpel_a_reverse(void) { return A_REVERSE; }
static inline attr_t scalpel_a_underline(void) { return A_UNDERLINE; }
static inline attr_t scalpel_a_italic(void) { return A_ITALIC; }
static inline attr_t scalpel_color_pair(int pair) { return COLOR_PAIR(pair); }
static inline int scalpel_key_f(int n) { return KEY_F(n); }
/* A screen on the process's own terminal; NULL (instead of exiting, as initscr does) when TERM is unusable. */
static inline SCREEN *scalpel_newterm(void) { return newterm(NULL, stdout, stdin); }
/* Sets stdscr's attributes and colour pair (pairs above 32767 go through the extended-pair argument). */
static inline int scalpel_set_attributes(attr_t attrs, int pair) { return attr_set(attrs, (NCURSES_PAIRS_T)pair, &pair); }
/* Ends curses mode once: safe to call again, before initialisation, or from a signal handler. */
static inline void scalpel_endwin_once(void) { if (stdscr != NULL && !isendwin()) endwin(); }
#endif
