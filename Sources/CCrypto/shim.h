#ifndef OUTREACH_CCRYPTO_SHIM_H
#define OUTREACH_CCRYPTO_SHIM_H
#include <openssl/hmac.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <openssl/md5.h>
#endif
