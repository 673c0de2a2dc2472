#pragma once
// A throwaway self-signed certificate for 127.0.0.1, made with OpenSSL at test time, so TLS
// tests need no key files in the tree.
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace sluice {

struct SelfSigned {
  struct KeyDeleter {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
  };
  struct CertDeleter {
    void operator()(X509* cert) const { X509_free(cert); }
  };
  std::unique_ptr<EVP_PKEY, KeyDeleter> key;
  std::unique_ptr<X509, CertDeleter> cert;

  // Null members if OpenSSL failed.
  static SelfSigned For127001() {
    SelfSigned made;
    made.key.reset(EVP_EC_gen("P-256"));
    made.cert.reset(X509_new());
    if (!made.key || !made.cert) return made;
    X509* cert = made.cert.get();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, made.key.get());
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1");
    if (san != nullptr) {
      X509_add_ext(cert, san, -1);
      X509_EXTENSION_free(san);
    }
    if (X509_sign(cert, made.key.get(), EVP_sha256()) == 0) made.cert.reset();
    return made;
  }
};

}  // namespace sluice
