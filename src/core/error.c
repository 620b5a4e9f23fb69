/*
** error.c — messages and names generated from KH_ERRNO_MAP (libuv style).
*/
#include "core.h"

const char *kh_strerror(int rc) {
  switch (rc) {
    case KH_OK: return "ok";
#define X(name, code, msg) \
  case KH_E##name:         \
    return msg;
    KH_ERRNO_MAP(X)
#undef X
  }
  return "unknown error";
}

const char *kh_err_name(int rc) {
  switch (rc) {
    case KH_OK: return "KH_OK";
#define X(name, code, msg) \
  case KH_E##name:         \
    return "KH_E" #name;
    KH_ERRNO_MAP(X)
#undef X
  }
  return "KH_EUNKNOWN";
}
