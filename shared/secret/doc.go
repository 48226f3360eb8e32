// Package secret holds Tollgate's opaque bearer secrets:
// "[<deployment>_]<prefix>_<43 base62 chars><6 base62 chars>", 256 bits
// from crypto/rand followed by a CRC32 of everything before it. A token
// with a wrong prefix or checksum is rejected by Check without any store
// read; the store keeps only Hash(token), and people see only Hint(token).
package secret
