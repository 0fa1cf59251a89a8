// Windows side of the eSSO driver (see esso_uia.h and README.md). Compiled here with mingw-w64
// to prove the build; run and tested only on Windows.
#define WIN32_LEAN_AND_MEAN
#define _WIN32_WINNT 0x0A00  // Windows 10: the UIA client interfaces used below
#include <windows.h>
#include <ole2.h>
#ifdef RELEVE_HAVE_UIA
#include <uiautomation.h>  // Windows SDK only: mingw-w64 lacks the UIA client interfaces
#endif
#include <psapi.h>

#include <string>

#include "esso_uia.h"

namespace {

#ifdef RELEVE_HAVE_UIA
IUIAutomation *automation = nullptr;
#endif
releve_window_callback on_window = nullptr;
void *on_window_context = nullptr;

std::string Utf8(const wchar_t *text, int length = -1) {
  if (!text) return {};
  int size = WideCharToMultiByte(CP_UTF8, 0, text, length, nullptr, 0, nullptr, nullptr);
  std::string out(size > 0 ? size : 0, '\0');
  if (size > 0) WideCharToMultiByte(CP_UTF8, 0, text, length, &out[0], size, nullptr, nullptr);
  if (!out.empty() && out.back() == '\0') out.pop_back();
  return out;
}

std::wstring Wide(const char *utf8, size_t length) {
  int size = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, static_cast<int>(length), nullptr, 0);
  std::wstring out(size > 0 ? size : 0, L'\0');
  if (size > 0) MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8, static_cast<int>(length), &out[0], size);
  return out;
}

void CopyBounded(char *target, size_t capacity, const std::string &text) {
  size_t n = text.size() < capacity - 1 ? text.size() : capacity - 1;
  memcpy(target, text.data(), n);
  target[n] = '\0';
}

bool Describe(HWND hwnd, releve_window *window) {
  ZeroMemory(window, sizeof *window);
  window->hwnd = reinterpret_cast<uint64_t>(hwnd);
  wchar_t buffer[512];
  int length = GetClassNameW(hwnd, buffer, 512);
  CopyBounded(window->class_name, sizeof window->class_name, Utf8(buffer, length));
  length = GetWindowTextW(hwnd, buffer, 512);
  CopyBounded(window->title, sizeof window->title, Utf8(buffer, length));
  DWORD pid = 0;
  GetWindowThreadProcessId(hwnd, &pid);
  HANDLE process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
  if (process) {
    DWORD size = 512;
    if (QueryFullProcessImageNameW(process, 0, buffer, &size)) {
      const wchar_t *name = wcsrchr(buffer, L'\\');
      CopyBounded(window->process, sizeof window->process, Utf8(name ? name + 1 : buffer));
    }
    CloseHandle(process);
  }
  return true;
}

// Window events come from WinEvents (SetWinEventHook, out of context), which winuser.h declares
// in every toolchain; the UIA client interfaces (fields by accessible name, ValuePattern) are not
// in mingw-w64's headers and are built with the Windows SDK only (RELEVE_HAVE_UIA, README.md).
HWINEVENTHOOK hook = nullptr;

void CALLBACK OnWinEvent(HWINEVENTHOOK, DWORD event, HWND hwnd, LONG object, LONG child, DWORD, DWORD) {
  if (!on_window || !hwnd || object != OBJID_WINDOW || child != CHILDID_SELF) return;
  if (GetAncestor(hwnd, GA_ROOT) != hwnd) return;  // top-level windows only
  releve_window window;
  if (event == EVENT_OBJECT_DESTROY || event == EVENT_OBJECT_HIDE) {
    ZeroMemory(&window, sizeof window);
    window.hwnd = reinterpret_cast<uint64_t>(hwnd);
    on_window(RELEVE_WINDOW_GONE, &window, on_window_context);
    return;
  }
  if (!IsWindowVisible(hwnd) || !Describe(hwnd, &window)) return;
  on_window(event == EVENT_OBJECT_SHOW ? RELEVE_WINDOW_SHOWN : RELEVE_WINDOW_CHANGED, &window, on_window_context);
}

bool IsForeground(HWND hwnd) {
  HWND foreground = GetForegroundWindow();
  return foreground == hwnd || GetAncestor(foreground, GA_ROOT) == hwnd;
}

}  // namespace

extern "C" int releve_uia_start(releve_window_callback callback, void *context) {
  on_window = callback;
  on_window_context = context;
  // Out of context: callbacks run on this thread's message loop (the addon's UI thread), never
  // inside the applications' processes.
  hook = SetWinEventHook(EVENT_OBJECT_DESTROY, EVENT_OBJECT_NAMECHANGE, nullptr, OnWinEvent, 0, 0,
                         WINEVENT_OUTOFCONTEXT | WINEVENT_SKIPOWNPROCESS);
  return hook ? 0 : -1;
}

extern "C" void releve_uia_stop(void) {
  if (hook) UnhookWinEvent(hook);
  hook = nullptr;
  on_window = nullptr;
}

extern "C" releve_fill_result releve_uia_type(uint64_t hwnd_bits, const char *utf8, size_t length) {
  HWND hwnd = reinterpret_cast<HWND>(hwnd_bits);
  if (!IsWindow(hwnd)) return RELEVE_FILL_WINDOW_GONE;
  std::wstring text = Wide(utf8, length);
  for (wchar_t unit : text) {
    // Before every keystroke: a secret is never typed into another window.
    if (!IsForeground(hwnd)) {
      SecureZeroMemory(&text[0], text.size() * sizeof(wchar_t));
      return RELEVE_FILL_FOCUS_LOST;
    }
    INPUT keys[2] = {};
    keys[0].type = keys[1].type = INPUT_KEYBOARD;
    keys[0].ki.wScan = keys[1].ki.wScan = unit;
    keys[0].ki.dwFlags = KEYEVENTF_UNICODE;
    keys[1].ki.dwFlags = KEYEVENTF_UNICODE | KEYEVENTF_KEYUP;
    SendInput(2, keys, sizeof(INPUT));
  }
  SecureZeroMemory(&text[0], text.size() * sizeof(wchar_t));
  return RELEVE_FILL_OK;
}

extern "C" releve_fill_result releve_uia_key(uint64_t hwnd_bits, uint16_t virtual_key) {
  HWND hwnd = reinterpret_cast<HWND>(hwnd_bits);
  if (!IsWindow(hwnd)) return RELEVE_FILL_WINDOW_GONE;
  if (!IsForeground(hwnd)) return RELEVE_FILL_FOCUS_LOST;
  INPUT keys[2] = {};
  keys[0].type = keys[1].type = INPUT_KEYBOARD;
  keys[0].ki.wVk = keys[1].ki.wVk = virtual_key;
  keys[1].ki.dwFlags = KEYEVENTF_KEYUP;
  SendInput(2, keys, sizeof(INPUT));
  return RELEVE_FILL_OK;
}

#ifdef RELEVE_HAVE_UIA
extern "C" releve_fill_result releve_uia_set_field(uint64_t hwnd_bits, const char *name, int password, const char *utf8,
                                                   size_t length) {
  if (!automation) return RELEVE_FILL_DRIVER_ERROR;
  HWND hwnd = reinterpret_cast<HWND>(hwnd_bits);
  if (!IsWindow(hwnd)) return RELEVE_FILL_WINDOW_GONE;
  IUIAutomationElement *window = nullptr;
  if (FAILED(automation->ElementFromHandle(hwnd, &window)) || !window) return RELEVE_FILL_WINDOW_GONE;
  VARIANT edit;
  VariantInit(&edit);
  edit.vt = VT_I4;
  edit.lVal = UIA_EditControlTypeId;
  IUIAutomationCondition *is_edit = nullptr;
  automation->CreatePropertyCondition(UIA_ControlTypePropertyId, edit, &is_edit);
  IUIAutomationElementArray *fields = nullptr;
  window->FindAll(TreeScope_Descendants, is_edit, &fields);
  releve_fill_result result = RELEVE_FILL_FIELD_MISSING;
  int count = 0;
  if (fields) fields->get_Length(&count);
  std::wstring wanted = name ? Wide(name, strlen(name)) : std::wstring();
  for (int i = 0; i < count && result == RELEVE_FILL_FIELD_MISSING; i++) {
    IUIAutomationElement *field = nullptr;
    if (FAILED(fields->GetElement(i, &field)) || !field) continue;
    BOOL is_password = FALSE;
    field->get_CurrentIsPassword(&is_password);
    BSTR field_name = nullptr;
    field->get_CurrentName(&field_name);
    bool matches = name ? (field_name && wanted == field_name) : (password ? is_password : !is_password);
    if (field_name) SysFreeString(field_name);
    if (matches) {
      IUIAutomationValuePattern *value = nullptr;
      if (SUCCEEDED(field->GetCurrentPatternAs(UIA_ValuePatternId, __uuidof(IUIAutomationValuePattern),
                                               reinterpret_cast<void **>(&value))) &&
          value) {
        std::wstring text = Wide(utf8, length);
        BSTR bstr = SysAllocStringLen(text.data(), static_cast<UINT>(text.size()));
        result = SUCCEEDED(value->SetValue(bstr)) ? RELEVE_FILL_OK : RELEVE_FILL_DRIVER_ERROR;
        SecureZeroMemory(bstr, text.size() * sizeof(wchar_t));
        SysFreeString(bstr);
        SecureZeroMemory(&text[0], text.size() * sizeof(wchar_t));
        value->Release();
      } else {
        result = RELEVE_FILL_DRIVER_ERROR;
      }
    }
    field->Release();
  }
  if (fields) fields->Release();
  if (is_edit) is_edit->Release();
  window->Release();
  return result;
}
#endif  // RELEVE_HAVE_UIA
