/** Types of the siphash24 package, which ships none. */
declare module 'siphash24' {
  /**
   * Writes SipHash-2-4 of `input` under the 16-byte `key` into `output` (8 bytes, allocated
   * when omitted) and returns it. With `noAssert` true, the lengths are not checked.
   */
  function siphash24(input: Uint8Array, key: Uint8Array, output?: Uint8Array, noAssert?: boolean): Uint8Array;

  export default siphash24;
}
