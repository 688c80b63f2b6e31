// The q contact parameter (RFC 3261 §20.10, §25.1):
//   qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )

const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/** The q value 0..1 (in thousandths' precision), or undefined when it is not a qvalue. */
export function parseQ(text: string | null): number | undefined {
  if (text === null || !QVALUE.test(text)) return undefined;
  return Math.round(Number(text) * 1000) / 1000;
}
