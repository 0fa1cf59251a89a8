/*
 * Relève eSSO on Windows: the UI Automation side of the driver, behind a C interface that the
 * N-API addon (esso_napi.cc, see README.md) wraps. The same contract as the Linux driver
 * (app/core/ports/esso-driver.ts): windows are reported from UIA events, fills act on one window
 * only, the focus is checked before every keystroke, and no value is kept after a call.
 */
#ifndef RELEVE_ESSO_UIA_H
#define RELEVE_ESSO_UIA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the profiles need to recognise a window (UTF-8, NUL-terminated, bounded). */
typedef struct releve_window {
  uint64_t hwnd;
  char process[64];     /* executable name, e.g. "LABO.EXE" */
  char class_name[128]; /* Win32 class */
  char title[512];      /* truncated: profiles match at most the first 4096 characters anyway */
} releve_window;

typedef enum releve_window_event { RELEVE_WINDOW_SHOWN = 1, RELEVE_WINDOW_CHANGED = 2, RELEVE_WINDOW_GONE = 3 } releve_window_event;

/* Called on the UIA event thread; the addon forwards it through a napi_threadsafe_function. */
typedef void (*releve_window_callback)(releve_window_event event, const releve_window *window, void *context);

typedef enum releve_fill_result {
  RELEVE_FILL_OK = 0,
  RELEVE_FILL_FOCUS_LOST = 1,
  RELEVE_FILL_WINDOW_GONE = 2,
  RELEVE_FILL_FIELD_MISSING = 3,
  RELEVE_FILL_DRIVER_ERROR = 4
} releve_fill_result;

/* Starts following top-level windows (shown, renamed, hidden/destroyed) from WinEvents; the
 * calling thread must run a message loop. */
int releve_uia_start(releve_window_callback callback, void *context);
void releve_uia_stop(void);

/* Types UTF-8 text into `hwnd` (SendInput with KEYEVENTF_UNICODE: no keyboard layout involved),
 * checking before every character that `hwnd` is still the foreground window. */
releve_fill_result releve_uia_type(uint64_t hwnd, const char *utf8, size_t length);

/* One key by virtual-key code (VK_TAB, VK_RETURN...), focus checked first. */
releve_fill_result releve_uia_key(uint64_t hwnd, uint16_t virtual_key);

#ifdef RELEVE_HAVE_UIA
/* Windows SDK builds only (UIA client interfaces). Sets the value of the first edit field of `hwnd` whose accessible name equals `name` (or the
 * first password field when `password` is non-zero and `name` is NULL), through ValuePattern. */
releve_fill_result releve_uia_set_field(uint64_t hwnd, const char *name, int password, const char *utf8, size_t length);
#endif

#ifdef __cplusplus
}
#endif
#endif
