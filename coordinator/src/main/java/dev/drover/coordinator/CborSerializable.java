package dev.drover.coordinator;

/** Marker for every message and event serialized with Jackson CBOR (see serialization.conf). */
public interface CborSerializable {}
