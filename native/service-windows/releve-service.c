/*
 * The Relève service on Windows: a service running as LocalSystem that owns the one door the
 * desktop side has to the agent, the named pipe \\.\pipe\releve-service, and checks who comes
 * through it. It holds no policy and makes no decision about people: it is the Windows
 * counterpart of app/service/socket-server.ts's peer check.
 *
 * - The pipe is created first-instance-only (no squatting: a process that made the name first
 *   makes the service refuse to start), rejects remote clients, and its DACL admits SYSTEM,
 *   Administrators and interactive users only.
 * - Each client is identified by the kernel: GetNamedPipeClientProcessId, that process's token
 *   user SID and its session. It is accepted only if it is SYSTEM, or the very user logged on
 *   to that (non-zero) interactive session (WTSQueryUserToken), i.e. the tray or the eSSO
 *   driver of the person at that desktop. Anyone else is disconnected before a byte is read.
 * - An accepted client is relayed to the agent (`releve service`, run by this service as
 *   SYSTEM) over the agent's own SYSTEM-only pipe, whose server is checked to be SYSTEM; the first line the agent reads is the peer
 *   as the kernel named it: {"t":"peer","pid":N,"session":N,"sid":"S-1-5-..."}. Then bytes flow
 *   both ways unchanged (the agent checks every frame, as on Linux).
 *
 * Built here with mingw-w64 (a test compiles it with -Werror); it has not run on Windows.
 */
#define WIN32_LEAN_AND_MEAN
#ifndef UNICODE
#define UNICODE
#endif
#ifndef _UNICODE
#define _UNICODE
#endif
#include <windows.h>
#include <sddl.h>
#include <stdio.h>
#include <wtsapi32.h>

#define SERVICE_NAME L"ReleveService"
#define CLIENT_PIPE L"\\\\.\\pipe\\releve-service"
#define AGENT_PIPE L"\\\\.\\pipe\\releve-agent"
/* SYSTEM and Administrators: all; interactive users: read and write. No one else. */
#define CLIENT_PIPE_SDDL L"D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GRGW;;;IU)"
#define BUFFER_BYTES 65536

static SERVICE_STATUS_HANDLE status_handle;
static SERVICE_STATUS status;
static HANDLE stop_event;

static void report(DWORD state, DWORD exit_code) {
  status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  status.dwCurrentState = state;
  status.dwWin32ExitCode = exit_code;
  status.dwControlsAccepted = state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
  SetServiceStatus(status_handle, &status);
}

static DWORD WINAPI control(DWORD code, DWORD type, LPVOID data, LPVOID context) {
  (void)type;
  (void)data;
  (void)context;
  if (code == SERVICE_CONTROL_STOP || code == SERVICE_CONTROL_SHUTDOWN) {
    report(SERVICE_STOP_PENDING, NO_ERROR);
    SetEvent(stop_event);
    return NO_ERROR;
  }
  return code == SERVICE_CONTROL_INTERROGATE ? NO_ERROR : ERROR_CALL_NOT_IMPLEMENTED;
}

/* The user SID of a token, copied into `sid` (at most `size` bytes). */
static BOOL token_user(HANDLE token, PSID sid, DWORD size) {
  BYTE buffer[SECURITY_MAX_SID_SIZE + sizeof(TOKEN_USER)];
  DWORD length = 0;
  if (!GetTokenInformation(token, TokenUser, buffer, sizeof buffer, &length)) return FALSE;
  return CopySid(size, sid, ((TOKEN_USER *)buffer)->User.Sid);
}

/*
 * Who is at the other end of the pipe: TRUE only for SYSTEM, or for the user logged on to the
 * client's own interactive session. Fills the peer's pid, session and SID string.
 */
static BOOL client_allowed(HANDLE pipe, ULONG *pid, DWORD *session, LPWSTR *sid_text) {
  BYTE client_sid[SECURITY_MAX_SID_SIZE];
  BYTE session_sid[SECURITY_MAX_SID_SIZE];
  HANDLE process = NULL, token = NULL, session_token = NULL;
  BOOL allowed = FALSE;
  if (!GetNamedPipeClientProcessId(pipe, pid)) return FALSE;
  if (!ProcessIdToSessionId(*pid, session)) return FALSE;
  process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, *pid);
  if (process == NULL) return FALSE;
  if (OpenProcessToken(process, TOKEN_QUERY, &token) && token_user(token, client_sid, sizeof client_sid) &&
      ConvertSidToStringSidW(client_sid, sid_text)) {
    if (IsWellKnownSid(client_sid, WinLocalSystemSid)) {
      allowed = TRUE;
    } else if (*session != 0 && WTSQueryUserToken(*session, &session_token) &&
               token_user(session_token, session_sid, sizeof session_sid)) {
      allowed = EqualSid(client_sid, session_sid);
    }
  }
  if (session_token) CloseHandle(session_token);
  if (token) CloseHandle(token);
  CloseHandle(process);
  return allowed;
}

/* The agent's pipe must be served by SYSTEM: a desktop process that made the name first would
 * otherwise receive every client's frames, PINs included. */
static BOOL served_by_system(HANDLE agent) {
  BYTE sid[SECURITY_MAX_SID_SIZE];
  ULONG server = 0;
  HANDLE process = NULL, token = NULL;
  BOOL system = FALSE;
  if (!GetNamedPipeServerProcessId(agent, &server)) return FALSE;
  process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, server);
  if (process == NULL) return FALSE;
  if (OpenProcessToken(process, TOKEN_QUERY, &token) && token_user(token, sid, sizeof sid))
    system = IsWellKnownSid(sid, WinLocalSystemSid);
  if (token) CloseHandle(token);
  CloseHandle(process);
  return system;
}

struct relay {
  HANDLE from;
  HANDLE to;
};

/* Copies bytes one way until either side closes; then closes both so the other way ends too. */
static DWORD WINAPI pump(LPVOID param) {
  struct relay *relay = (struct relay *)param;
  BYTE buffer[BUFFER_BYTES];
  DWORD read = 0, written = 0;
  while (ReadFile(relay->from, buffer, sizeof buffer, &read, NULL) && read > 0) {
    if (!WriteFile(relay->to, buffer, read, &written, NULL) || written != read) break;
  }
  CancelIoEx(relay->to, NULL);
  return 0;
}

/* One accepted client: introduce it to the agent, then relay both ways. */
static DWORD WINAPI serve(LPVOID param) {
  HANDLE client = (HANDLE)param;
  ULONG pid = 0;
  DWORD session = 0, written = 0;
  LPWSTR sid = NULL;
  if (!client_allowed(client, &pid, &session, &sid)) goto done;
  HANDLE agent = CreateFileW(AGENT_PIPE, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
  if (agent == INVALID_HANDLE_VALUE) goto done;
  if (!served_by_system(agent)) {
    CloseHandle(agent);
    goto done;
  }
  char line[256];
  int length = snprintf(line, sizeof line, "{\"t\":\"peer\",\"pid\":%lu,\"session\":%lu,\"sid\":\"%ls\"}\n",
                        (unsigned long)pid, (unsigned long)session, sid);
  if (length > 0 && length < (int)sizeof line && WriteFile(agent, line, (DWORD)length, &written, NULL)) {
    struct relay up = {client, agent}, down = {agent, client};
    HANDLE threads[2] = {CreateThread(NULL, 0, pump, &up, 0, NULL), CreateThread(NULL, 0, pump, &down, 0, NULL)};
    if (threads[0] && threads[1]) WaitForMultipleObjects(2, threads, FALSE, INFINITE);
    CancelIoEx(client, NULL);
    CancelIoEx(agent, NULL);
    if (threads[0]) WaitForSingleObject(threads[0], INFINITE);
    if (threads[1]) WaitForSingleObject(threads[1], INFINITE);
    for (int i = 0; i < 2; i++)
      if (threads[i]) CloseHandle(threads[i]);
  }
  CloseHandle(agent);
done:
  if (sid) LocalFree(sid);
  DisconnectNamedPipe(client);
  CloseHandle(client);
  return 0;
}

static HANDLE new_instance(BOOL first, PSECURITY_DESCRIPTOR descriptor) {
  SECURITY_ATTRIBUTES attributes = {sizeof attributes, descriptor, FALSE};
  DWORD open_mode = PIPE_ACCESS_DUPLEX | (first ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0);
  return CreateNamedPipeW(CLIENT_PIPE, open_mode, PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS,
                          PIPE_UNLIMITED_INSTANCES, BUFFER_BYTES, BUFFER_BYTES, 0, &attributes);
}

static void WINAPI service_main(DWORD argc, LPWSTR *argv) {
  (void)argc;
  (void)argv;
  PSECURITY_DESCRIPTOR descriptor = NULL;
  status_handle = RegisterServiceCtrlHandlerExW(SERVICE_NAME, control, NULL);
  if (!status_handle) return;
  report(SERVICE_START_PENDING, NO_ERROR);
  stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
  if (!stop_event ||
      !ConvertStringSecurityDescriptorToSecurityDescriptorW(CLIENT_PIPE_SDDL, SDDL_REVISION_1, &descriptor, NULL)) {
    report(SERVICE_STOPPED, GetLastError());
    return;
  }
  BOOL first = TRUE;
  report(SERVICE_RUNNING, NO_ERROR);
  while (WaitForSingleObject(stop_event, 0) == WAIT_TIMEOUT) {
    HANDLE pipe = new_instance(first, descriptor);
    if (pipe == INVALID_HANDLE_VALUE) {
      /* The first instance failing means someone else owns the name: never serve under it. */
      if (first) break;
      Sleep(100);
      continue;
    }
    first = FALSE;
    BOOL connected = ConnectNamedPipe(pipe, NULL) ? TRUE : GetLastError() == ERROR_PIPE_CONNECTED;
    HANDLE thread = connected ? CreateThread(NULL, 0, serve, pipe, 0, NULL) : NULL;
    if (thread) CloseHandle(thread);
    else CloseHandle(pipe);
  }
  LocalFree(descriptor);
  report(SERVICE_STOPPED, NO_ERROR);
}

int wmain(void) {
  SERVICE_TABLE_ENTRYW table[] = {{(LPWSTR)SERVICE_NAME, service_main}, {NULL, NULL}};
  return StartServiceCtrlDispatcherW(table) ? 0 : (int)GetLastError();
}
