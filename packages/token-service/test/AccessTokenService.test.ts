/**
 * AccessTokenService runs TokenService's contract: the same cache, on a loopback endpoint that
 * speaks the Access Token API (anything else is answered 400, so a wrong request fails).
 */
import { contract, accessToken, inProcess } from "./support/Contract.js"

contract("in-process store", inProcess, accessToken)
