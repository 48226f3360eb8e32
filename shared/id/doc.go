// Package id makes public record identifiers: a short type prefix and 96
// random bits in base62. Identifiers are not secrets; they are random only so
// that they reveal nothing about creation order or count.
package id
