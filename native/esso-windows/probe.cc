// esso-uia-probe.exe: lists the windows UI Automation reports as they open, as `releve esso probe
// --watch` does on Linux. A Windows-side check of esso_uia.cc; built here to prove the build.
#include <stdio.h>
#include <windows.h>

#include "esso_uia.h"

static void Print(releve_window_event event, const releve_window *window, void *) {
  printf("%s window %llu process=%s class=%s title=%s\n", event == RELEVE_WINDOW_SHOWN ? "shown" : event == RELEVE_WINDOW_GONE ? "gone" : "changed",
         static_cast<unsigned long long>(window->hwnd), window->process, window->class_name, window->title);
  fflush(stdout);
}

int main() {
  int started = releve_uia_start(Print, nullptr);
  if (started != 0) {
    fprintf(stderr, "UI Automation could not start (%d)\n", started);
    return 1;
  }
  printf("watching windows; Ctrl+C to stop\n");
  MSG message;  // out-of-context WinEvents are delivered through this thread's message loop
  while (GetMessageW(&message, nullptr, 0, 0) > 0) DispatchMessageW(&message);
  releve_uia_stop();
  return 0;
}
