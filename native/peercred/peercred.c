/*
 * Who is at the other end of a Unix socket: the kernel's SO_PEERCRED (pid, uid, gid of the
 * process that connected, fixed at connect time, not forgeable by the peer). Node has no API
 * for it; this N-API addon (N-API only: it loads in Node and Electron alike without a rebuild)
 * does exactly this one call and nothing else. Linux only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <string.h>
#include <sys/socket.h>

static napi_value throw_error(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

/* peerCredentials(fd: number): { pid, uid, gid } */
static napi_value peer_credentials(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1)
    return throw_error(env, "peerCredentials takes one file descriptor");
  int32_t fd = -1;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0)
    return throw_error(env, "peerCredentials: not a file descriptor");
  struct ucred cred;
  socklen_t length = sizeof cred;
  memset(&cred, 0, sizeof cred);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &length) != 0 || length != sizeof cred)
    return throw_error(env, strerror(errno));
  napi_value result, pid, uid, gid;
  napi_create_object(env, &result);
  napi_create_int64(env, cred.pid, &pid);
  napi_create_int64(env, cred.uid, &uid);
  napi_create_int64(env, cred.gid, &gid);
  napi_set_named_property(env, result, "pid", pid);
  napi_set_named_property(env, result, "uid", uid);
  napi_set_named_property(env, result, "gid", gid);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "peerCredentials", NAPI_AUTO_LENGTH, peer_credentials, NULL, &fn);
  napi_set_named_property(env, exports, "peerCredentials", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
