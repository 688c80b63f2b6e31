// SER's internal error codes (error.h) and how sl_reply_error()/t_reply turn the last one into
// a SIP status and reason phrase (error.c: err2reason_phrase).

export const E_UNSPEC = -1;
export const E_OUT_OF_MEM = -2;
export const E_BAD_RE = -3;
export const E_BAD_ADDRESS = -4;
export const E_BUG = -5;
export const E_CFG = -6;
export const E_NO_SOCKET = -7;
export const E_BAD_VIA = -8;
export const E_BAD_TUPEL = -9;
export const E_SCRIPT = -10;
export const E_EXEC = -11;
export const E_TOO_MANY_BRANCHES = -12;
export const E_BAD_TO = -13;
export const E_INVALID_PARAMS = -14;
export const E_Q_INV_CHAR = -15;
export const E_Q_EMPTY = -16;
export const E_Q_TOO_BIG = -17;
export const E_NO_DESTINATION = -18;
export const E_SEND = -477;
export const E_BAD_URI = -479;
export const E_BAD_REQ = -400;
export const E_BAD_SERVER = -500;
// Our addition: a stateless forward found its own Via with a matching branch (RFC 3261 §16.3 step 4).
export const E_LOOP = -482;

export interface ErrorReply {
  status: number;
  reason: string;
}

/** SER's err2reason_phrase: the status and phrase a failed action is answered with. */
export function errorReply(serError: number, signature: string): ErrorReply {
  let status: number;
  let text: string;
  switch (serError) {
    case E_OUT_OF_MEM:
      status = 500;
      text = 'Excuse me I ran out of memory';
      break;
    case E_SEND:
      status = 477;
      text = 'Unfortunately error on sending to next hop occured';
      break;
    case E_BAD_ADDRESS:
      status = 478;
      text = 'Unresolveable destination';
      break;
    case E_BAD_REQ:
      status = 400;
      text = 'Bad Request';
      break;
    case E_BAD_URI:
      status = 479;
      text = 'Regretfully, we were not able to process the URI';
      break;
    case E_BAD_TUPEL:
      status = 400;
      text = 'Transaction tupel incomplete';
      break;
    case E_EXEC:
      status = 500;
      text = 'Error in external logic';
      break;
    case E_TOO_MANY_BRANCHES:
      status = 500;
      text = 'Forking capacity exceeded';
      break;
    case E_Q_INV_CHAR:
      status = 400;
      text = 'Invalid character in q parameter';
      break;
    case E_Q_EMPTY:
      status = 400;
      text = 'Empty q parameter';
      break;
    case E_Q_TOO_BIG:
      status = 400;
      text = 'q parameter too big';
      break;
    case E_NO_DESTINATION:
      status = 500;
      text = 'No destination available';
      break;
    case E_LOOP:
      status = 482;
      text = 'Loop Detected';
      break;
    default:
      status = 500;
      text = "I'm terribly sorry, server error occured";
  }
  return { status, reason: `${text} (${-serError}/${signature})` };
}
