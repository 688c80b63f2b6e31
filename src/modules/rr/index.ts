import { byteString } from '../../sip/edit.js';
import { defineModule, REQUEST_ROUTE, type ParamValue } from '../../script/module-api.js';
import { argString } from '../../script/values.js';
import { looseRoute } from './loose.js';
import { checkPreset, recordRoute, recordRoutePreset } from './record.js';
import { createRrState, type RrState } from './state.js';

export { looseRoute } from './loose.js';
export { recordRoute, recordRoutePreset } from './record.js';
export type { RrOptions, RrState } from './state.js';

const zeroOrOne = (v: ParamValue): string | undefined => (v === 0 || v === 1 ? undefined : `must be 0 or 1, not ${v}`);

/**
 * Record-Route and Route processing (SER's rr module): record_route() puts us on the path of
 * the dialog (RFC 3261 §16.6 step 4), loose_route() follows the Route set of a request
 * (§16.4, §16.12), talking to loose and strict routers alike.
 */
export default defineModule<RrState>({
  name: 'rr',
  doc: 'Record-Route insertion and Route processing, loose and strict routing (SER rr module; RFC 3261 §16.4, §16.6, §16.12)',
  params: {
    enable_full_lr: {
      type: 'int',
      default: 0,
      check: zeroOrOne,
      doc: '1: write ;lr=on instead of ;lr in Record-Route (for UAs that drop a parameter without a value)',
    },
    append_fromtag: {
      type: 'int',
      default: 1,
      check: zeroOrOne,
      doc: "1: add the request's From tag to our Record-Route as ;ftag=",
    },
    enable_double_rr: {
      type: 'int',
      default: 1,
      check: zeroOrOne,
      doc: '1: insert two Record-Route entries when the request leaves by another socket (transport, address or port) than it came on; loose_route() removes both',
    },
  },
  functions: {
    loose_route: {
      arities: [0],
      routes: REQUEST_ROUTE,
      run: (st, ctx) => looseRoute(st, ctx),
      doc: 'loose_route(): follow the Route set (RFC 3261 §16.4, §16.12); true when it decided the next hop',
    },
    record_route: {
      arities: [0],
      routes: REQUEST_ROUTE,
      run: (st, ctx) => recordRoute(st, ctx),
      doc: 'record_route(): add our Record-Route (two with enable_double_rr when the socket changes)',
    },
    record_route_preset: {
      arities: [1],
      routes: REQUEST_ROUTE,
      fixup: (args, fx) => {
        const data = byteString(argString(args, 0).trim());
        const why = checkPreset(data);
        if (why) throw fx.error(0, why, 'e.g. record_route_preset("1.2.3.4:5090")');
        return data;
      },
      run: (st, ctx, data) => recordRoutePreset(st, ctx, data as string),
      doc: 'record_route_preset("1.2.3.4:5090"): add Record-Route: <sip:1.2.3.4:5090;lr> as given',
    },
  },
  create: (core, params) =>
    createRrState(core, {
      fullLr: params['enable_full_lr'] === 1,
      appendFromTag: params['append_fromtag'] === 1,
      doubleRr: params['enable_double_rr'] === 1,
    }),
});
