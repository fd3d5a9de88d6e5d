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
#endif
