/*
** test_core.c — errors, the allocation hook, UTF-8 decoding.
*/
#include "test.h"

TEST(core_strerror) {
  ASSERT_STR_EQ(kh_strerror(KH_ENOMEM), "out of memory");
  ASSERT_STR_EQ(kh_err_name(KH_EUTF8), "KH_EUTF8");
  ASSERT_STR_EQ(kh_strerror(-999), "unknown error");
  return 0;
}

TEST(core_utf8_decode) {
  uint32_t cp;
  /* پ U+067E */
  ASSERT_INT_EQ(kh_utf8_decode("\xD9\xBE", 2, &cp), 2);
  ASSERT_INT_EQ(cp, 0x067E);
  /* truncated 3-byte sequence: one bad byte */
  ASSERT_INT_EQ(kh_utf8_decode("\xE2\x80", 2, &cp), 1);
  ASSERT_INT_EQ(cp, 0xFFFD);
  /* overlong '/' */
  ASSERT_INT_EQ(kh_utf8_decode("\xC0\xAF", 2, &cp), 1);
  ASSERT_INT_EQ(cp, 0xFFFD);
  /* surrogate */
  ASSERT_INT_EQ(kh_utf8_decode("\xED\xA0\x80", 3, &cp), 1);
  ASSERT_INT_EQ(cp, 0xFFFD);
  char buf[4];
  ASSERT_INT_EQ(kh_utf8_encode(0x06D2, buf), 2);
  ASSERT(memcmp(buf, "\xDB\x92", 2) == 0);
  return 0;
}
