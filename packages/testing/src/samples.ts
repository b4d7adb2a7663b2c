import { ACAPY_TOPIC_STATES, acapyEventName } from "@credhooks/core/providers/acapy";
import type { AcapyEvent, AcapyRecords, CrossmintPayloads, LissiPayloads, ProvenPayloads, SovrinPayloads, TruveraPayloads } from "./payload-types.js";

// The payloads of the seed documents (the same content as credhooks' test fixtures,
// test/fixtures/<provider>/), copied here so the package stands alone. Each is what the
// handler of that event receives as `event.payload`.

/**
 * Proven sample payloads (the `webhook` object of each seed example), by event.
 *
 * @example
 * ```ts
 * deliveries.proven("credentials:done", { ...PROVEN_SAMPLES["credentials:done"], state: "abandoned" });
 * ```
 */
export const PROVEN_SAMPLES: { readonly [E in keyof ProvenPayloads]: ProvenPayloads[E] } = {
  "connection:completed": {
    "connection_id": "13eeacd4-0c4e-495e-81cc-d66c6eeb8545",
    "invitation_key": "2St9MAnpToLcnUxhfskNBYgNxzS4vzAy42kSWPF8AY9e",
    "invitation_msg_id": "7f7392eb-a334-43c9-bdb0-b1a109de1f91",
    "contact_id": null,
    "purpose": "invitation purpose",
    "wallet_id": "f161e7a3-9a88-4f2c-a988-cc9cf3fbea2f",
    "discovered_features": [
      {
        "pid": "https://didcomm.org/present-proof/2.0",
        "roles": [
          "prover",
          "verifier"
        ]
      }
    ]
  },
  "credentials:done": {
    "state": "done",
    "connection_id": "13eeacd4-0c4e-495e-81cc-d66c6eeb8545",
    "cred_ex_id": "794657e2-187e-4642-b5f2-77dd27138a49",
    "thread_id": "d92933ef-74d8-4e53-9d4a-6526feb991c5",
    "wallet_id": "f161e7a3-9a88-4f2c-a988-cc9cf3fbea2f",
    "role": "issuer",
    "initiator": "self",
    "created_at": "2025-03-13T22:14:41.138935Z",
    "updated_at": "2025-03-13T22:15:02.479961Z",
    "credential_id": null
  },
  "presentation:verified": {
    "state": "done",
    "connection_id": "13eeacd4-0c4e-495e-81cc-d66c6eeb8545",
    "pres_ex_id": "7ec0d756-58e8-402d-9688-2dc4cd48cf17",
    "thread_id": "00b7fe05-79a1-44a8-91bd-8f0fe47f249d",
    "wallet_id": "f161e7a3-9a88-4f2c-a988-cc9cf3fbea2f",
    "role": "verifier",
    "initiator": "self",
    "verified": "true",
    "created_at": "2025-03-13T22:15:04.202161Z",
    "updated_at": "2025-03-13T22:15:14.343137Z"
  },
  "oid4vc-credential:issued": {
    "exchange_id": "d3e347d2-e6df-45cf-bb02-27a929311260",
    "supported_cred_id": "413f8b60-6587-40bd-95ee-58797c3d6543",
    "credential_subject": {
      "given_name": "Alice",
      "family_name": "Smith",
      "something_nested": {
        "key1": {
          "key2": {
            "key3": "something nested"
          }
        }
      },
      "source_document_type": "id_card",
      "age_equal_or_over": {
        "12": true,
        "14": true,
        "16": true,
        "18": true,
        "21": true,
        "65": false
      }
    },
    "verification_method": "did:sov:NQ6iZJjvwdMzedXHzxX1vf#key-1",
    "state": "issued",
    "issuer_id": "did:sov:NQ6iZJjvwdMzedXHzxX1vf",
    "code": "Naqioo54ryqIAbNbfcWYTg",
    "token": "eyJ0eXAiOiAiSldUIiwgImtpZCI6ICJkaWQ6c292Ok5RNmlaSmp2d2RNemVkWEh6eFgxdmYja2V5LTEiLCAiYWxnIjogIkVkRFNBIn0.eyJpZCI6ICJkM2UzNDdkMi1lNmRmLTQ1Y2YtYmIwMi0yN2E5MjkzMTEyNjAiLCAiZXhwIjogMTc0MjA3NDM2Mn0.JffFZI7MgkWyZDLckUpY75flch4HdMqIHnUh1suHAoOOjjQ0OD9nNCNChNl5uCHrWZnrxsT9nQl-npZGqGDIDA"
  },
  "oid4vc-presentation:verified": {
    "pres_def_id": "b1c679d4-6edb-4d22-ba65-553dd7f6ef0a",
    "presentation_id": "28e70110-57b4-494e-b13b-aa728eac88c4",
    "request_id": "00f70502-0618-4b9e-af9f-e8af07f6edcd",
    "matched_credentials": {
      "ID Card": {
        "something_nested": {
          "key1": {
            "key2": {
              "key3": "something nested"
            }
          }
        },
        "source_document_type": "id_card",
        "age_equal_or_over": {},
        "sub": "did:jwk:eyJrdHkiOiJFQyIsImNydiI6IlAtMjU2IiwieCI6IkFlRzUyZk9oVnliN2VsYWtxVEFwc25ab2RCMkhuRGQ0YzE0d2NtRTRsOWMiLCJ5IjoiLW5VTmljSi0yUVV0UTNaVjBSc0NMMzNEVmVtcFNNUXBheG04VWQ0ZXlSayJ9",
        "cnf": {
          "kid": "did:jwk:eyJrdHkiOiJFQyIsImNydiI6IlAtMjU2IiwieCI6IkFlRzUyZk9oVnliN2VsYWtxVEFwc25ab2RCMkhuRGQ0YzE0d2NtRTRsOWMiLCJ5IjoiLW5VTmljSi0yUVV0UTNaVjBSc0NMMzNEVmVtcFNNUXBheG04VWQ0ZXlSayJ9#0"
        },
        "vct": "testCard",
        "iss": "did:sov:NQ6iZJjvwdMzedXHzxX1vf",
        "iat": 1741987962,
        "given_name": "Alice",
        "family_name": "Smith"
      }
    },
    "state": "presentation-valid"
  },
  "basic-message:received": {
    "connection_id": "9775b821-be93-4980-94d9-e3deaf6698d3",
    "message_id": "4a977851-e5be-40fd-b3d6-3e01ae249c77",
    "content": "New",
    "state": "received",
    "sent_time": "2025-03-14T02:28:57.839Z",
    "locale": "en",
    "wallet_id": "122b480d-2813-42b5-9146-2d359a5dd807"
  },
};

/**
 * Lissi sample payloads, by event: the DTO of an update, `{ id }` of a single deletion or
 * revocation (Lissi sends no body, the id is in the path), `{ ids }` of a bulk event.
 *
 * @example
 * ```ts
 * deliveries.lissi("connection:update", { ...LISSI_SAMPLES["connection:update"], state: "COMPLETED" });
 * ```
 */
export const LISSI_SAMPLES: { readonly [E in keyof LissiPayloads]: LissiPayloads[E] } = {
  "connection:update": {
    "id": "b25de7d9-3c8e-4b5a-9f0e-6a1d2c3b4e5f",
    "createdAt": "2022-11-09T14:35:46.532657Z",
    "updatedAt": "2022-11-09T14:35:46.532657Z",
    "state": "INVITED",
    "myDid": null,
    "theirDid": null,
    "theirRole": "INVITEE",
    "myLabel": "Lissi Demo Agent",
    "theirLabel": null,
    "alias": "Test",
    "accept": "auto"
  },
  "connection:delete": {
    "id": "b25de7d9-3c8e-4b5a-9f0e-6a1d2c3b4e5f"
  },
  "connections:delete": {
    "ids": [
      "b25de7d9-3c8e-4b5a-9f0e-6a1d2c3b4e5f",
      "c3a1f0e2-5b7d-4e9c-8a6f-1d2e3f4a5b6c"
    ]
  },
  "credential:update": {
    "id": "6f1c2a9e-8d4b-4e7a-b3c5-2d9e0f1a7b6c",
    "createdAt": "2022-11-09T14:40:12.118302Z",
    "updatedAt": "2022-11-09T14:41:03.902114Z",
    "state": "CREDENTIAL_ISSUED"
  },
  "credential:delete": {
    "id": "6f1c2a9e-8d4b-4e7a-b3c5-2d9e0f1a7b6c"
  },
  "credentials:delete": {
    "ids": [
      "6f1c2a9e-8d4b-4e7a-b3c5-2d9e0f1a7b6c",
      "7a2d3b0f-9e5c-4f8b-a4d6-3e0f1a2b8c7d"
    ]
  },
  "credential:revoke": {
    "id": "6f1c2a9e-8d4b-4e7a-b3c5-2d9e0f1a7b6c"
  },
  "credentials:revoke": {
    "ids": [
      "6f1c2a9e-8d4b-4e7a-b3c5-2d9e0f1a7b6c"
    ]
  },
  "proof:update": {
    "id": "0a7e3b5c-1f2d-4c6e-9a8b-7d5f3e1c2b4a",
    "createdAt": "2022-11-09T14:45:27.604918Z",
    "updatedAt": "2022-11-09T14:46:10.227351Z",
    "state": "VERIFIED"
  },
  "proof:delete": {
    "id": "0a7e3b5c-1f2d-4c6e-9a8b-7d5f3e1c2b4a"
  },
  "proofs:delete": {
    "ids": [
      "0a7e3b5c-1f2d-4c6e-9a8b-7d5f3e1c2b4a",
      "1b8f4c6d-2a3e-4d7f-8b9c-8e6a4f2d3c5b"
    ]
  },
};

/**
 * Truvera sample payloads (the `data` of each seed example, without the envelope's token), by event.
 *
 * @example
 * ```ts
 * deliveries.truvera("proof_submitted", { ...TRUVERA_SAMPLES.proof_submitted, verified: false });
 * ```
 */
export const TRUVERA_SAMPLES: { readonly [E in keyof TruveraPayloads]: TruveraPayloads[E] } = {
  "credential_create": {
    "id": "http://example.com/39",
    "signingOps": 1,
    "byteSize": 727,
    "key": "did:dock:5DhSFTFJwD6bFdrPdTibhxQypDruZkBGeWs1p34FS87ko5Vy#5GsBC74MW9DxHkFUYDVGPnbtioEaFgPgkdytQU3cRTQcHJCz",
    "credential": {
      "@context": [
        "https://www.w3.org/2018/credentials/v1",
        "https://www.w3.org/2018/credentials/examples/v1"
      ],
      "id": "https://creds.dock.io/f087cbfabc90f8b996971ba47598e82b1a03523cb9460217ad58a819cd9c09eb",
      "type": [
        "VerifiableCredential"
      ],
      "credentialSubject": {
        "id": "did:dock:5DhSFTFJwD6bFdrPdTibhxQypDruZkBGeWs1p34FS87ko5Vy"
      },
      "issuanceDate": "2019-08-24T14:15:22Z",
      "expirationDate": "2029-08-24T14:15:22Z",
      "issuer": {
        "name": "Example University",
        "id": "did:dock:5DhSFTFJwD6bFdrPdTibhxQypDruZkBGeWs1p34FS87ko5Vy"
      },
      "proof": {
        "type": "Sr25519Signature2020",
        "created": "2021-11-23T03:16:47Z",
        "verificationMethod": "did:dock:5DhSFTFJwD6bFdrPdTibhxQypDruZkBGeWs1p34FS87ko5Vy#keys-1",
        "proofPurpose": "assertionMethod",
        "proofValue": "z3rp2oBQ5jDAdvwUtFsdrRdMfQz1w9nqkVNbTmQ8GSz6xcdV4ZmK8WNqJjqJqzi5G5GbBwXgCXcs4QpMehbmYvYJX"
      }
    }
  },
  "credential_issued": {
    "id": "http://example.com/40",
    "signingOps": 1,
    "byteSize": 727,
    "key": "did:dock:5DhSFTFJwD6bFdrPdTibhxQypDruZkBGeWs1p34FS87ko5Vy#5GsBC74MW9DxHkFUYDVGPnbtioEaFgPgkdytQU3cRTQcHJCz",
    "credential": {
      "@context": [
        "https://www.w3.org/2018/credentials/v1",
        "https://www.w3.org/2018/credentials/examples/v1"
      ],
      "id": "https://creds.dock.io/f087cbfabc90f8b996971ba47598e82b1a03523cb9460217ad58a819cd9c09eb",
      "type": [
        "VerifiableCredential"
      ],
      "credentialSubject": {
        "id": "did:dock:5DhSFTFJwD6bFdrPdTibhxQypDruZkBGeWs1p34FS87ko5Vy"
      },
      "issuanceDate": "2019-08-24T14:15:22Z",
      "expirationDate": "2029-08-24T14:15:22Z",
      "issuer": {
        "name": "Example University",
        "id": "did:dock:5DhSFTFJwD6bFdrPdTibhxQypDruZkBGeWs1p34FS87ko5Vy"
      },
      "proof": {
        "type": "Sr25519Signature2020",
        "created": "2021-11-23T03:16:47Z",
        "verificationMethod": "did:dock:5DhSFTFJwD6bFdrPdTibhxQypDruZkBGeWs1p34FS87ko5Vy#keys-1",
        "proofPurpose": "assertionMethod",
        "proofValue": "z3rp2oBQ5jDAdvwUtFsdrRdMfQz1w9nqkVNbTmQ8GSz6xcdV4ZmK8WNqJjqJqzi5G5GbBwXgCXcs4QpMehbmYvYJX"
      }
    }
  },
  "credential_revoke": {
    "status": "finalized",
    "encodedTx": "0x6c5b2d8149e9ceb25fc932562a3b60bfcf77104ca04b53de17f5869a434f340bec8ca7bcb967cf49b5ef9979dda4298c0c63ac58760e631c7cec19749157ea1d",
    "result": {
      "InBlock": "0x9182dfe3634496bf3c5c3b06cf367ca36400b0d87ba30d0438af99726a1cae82"
    }
  },
  "credential_unrevoke": {
    "status": "finalized",
    "encodedTx": "0x5086249eba5c6ac313a26a0ebbc66096c455388e8ccff8ebffa242d312305e8c14fb3d3eccc2dd5e54c62ded2acd18810f8b87e548ada339e8142e4cb3a14e37",
    "result": {
      "InBlock": "0xf4da3ae5176a431da366bc812488e50195191142d6a554373e36b22b901f9278"
    }
  },
  "did_create": {
    "status": "finalized",
    "encodedTx": "0x92397857cb335093748f069ad7677ec5941e3946efe6593e76caaa4112725e68766f13c966073283a603d7aa7c32b8b80f732a96892008481855c292d0677e1b",
    "result": {
      "InBlock": "0x58e89893efb4b2f494b3b9d72c7e799b7a8061f223fb0d4fc16428edb4874f43"
    }
  },
  "did_update_key": {
    "status": "finalized",
    "encodedTx": "0x9766a5fc15b465d7486d289801e4d08ef4b71c79d599275b530382f873ee64ef43d887743a645512aad769574507f87f98e1e89526d24f42e87624cf874d7260",
    "result": {
      "InBlock": "0xcf959f4b878ef734391f47efe5c45cdbc782e1d010db13e6f32e30710ccc5d14"
    }
  },
  "did_update_controller": {
    "status": "finalized",
    "encodedTx": "0x5c49266f013b701d66c6429a606ddce82332ba68c17a4f5244543356c4d74fd68bfc6dcf3113979544d79c433d2a9604ccb55ac821ca8cb50b1e486fd754732b",
    "result": {
      "InBlock": "0x88e7e30f8624d1f069fbd754407188bec08e651d09d5f8cd62d892f9df99fa06"
    }
  },
  "did_delete": {
    "status": "finalized"
  },
  "registry_create": {
    "status": "finalized",
    "encodedTx": "0xda7ce82c3e3417d3dfaa9f857b20cd9160a044198d4a41b7d97981635b21b0b281ed9479a90c627248fc5e2c3e41f128bfaf3fa00b2d4148b00bcc901a943181",
    "result": {
      "InBlock": "0xf6c7c6c4395d1228b4e129375c1d4710bbfd003a0cda8dde65064fd8f7d43674"
    }
  },
  "registry_delete": {
    "status": "finalized",
    "encodedTx": "0x7f6c4512b3060ab36286753120be1cdf6a3783b235b97d6747873eaf8fc3a121e1fead741f8df1d5a126176e847bf1f92c37ada5ead86791e45aaec1d050ff06",
    "result": {
      "InBlock": "0x2141ad156e99d64980b6af6659a166e1cebc3e5d67403c1a1463a8f59000d088"
    }
  },
  "schema_create": {
    "status": "finalized",
    "encodedTx": "0xfbcbabbb57e0ff89356c006659e28468568ffa2dded5843071bdfee65e1fc3a6f06397c9b0651a8113a8562c526b4876cf1796d43b08ef1dc77d9d427e7d1a7d",
    "result": {
      "InBlock": "0x3296ee9a1d6fc0cadf98d0b0f339f29e3e5002e1947c04b2081d639e9922e7e6"
    }
  },
  "proof_submitted": {
    "id": "7fbbe582-66d6-4fbc-92f3-c13d9cf7975a",
    "verified": true
  },
  "anchor_create": {
    "status": "finalized",
    "encodedTx": "0x2c39f831e8adab106c4c466c195b102090233d5e179091212cfe62101704c82c5951d328fb1d7228298c86162df34cefbfcef2554986fa7cd53f123f522c8092",
    "result": {
      "InBlock": "0xaa6be5d199001a1594a973ed72cfb1e9ed5a0d4895365b197ffb1eaa1fce072a"
    }
  },
};

/**
 * Crossmint sample payloads (the `data` of each seed example), by event. The succeeded one
 * is an encrypted credential with its `secret`.
 *
 * @example
 * ```ts
 * deliveries.crossmint("credential.creation.failed", { error: { message: "schema mismatch", code: 422 } });
 * ```
 */
export const CROSSMINT_SAMPLES: { readonly [E in keyof CrossmintPayloads]: CrossmintPayloads[E] } = {
  "credential.creation.succeeded": {
    "credential": {
      "credentialId": "urn:uuid:40ada19e-3b4a-4de0-8d61-e0e7aedbfa05",
      "payload": "eyJpdiI6IjBhMWIyYzNkNGU1ZiIsImNpcGhlcnRleHQiOiJkZW1vIn0="
    },
    "pass": {
      "url": "https://www.crossmint.com/credentials/pass/40ada19e-3b4a-4de0-8d61-e0e7aedbfa05"
    },
    "secret": "crossmint-recoverable-key-6f1d2a9b8c7e4f30"
  },
  "credential.creation.failed": {
    "error": "The credential subject does not match the schema of type CourseCompletionCertificate"
  },
};

/**
 * Sovrin sample payloads (the `event.payload` of each seed example), by event type.
 *
 * @example
 * ```ts
 * deliveries.sovrin("OpenIdCredentialIssued", { ...SOVRIN_SAMPLES.OpenIdCredentialIssued, userId: "u-1" });
 * ```
 */
export const SOVRIN_SAMPLES: { readonly [E in keyof SovrinPayloads]: SovrinPayloads[E] } = {
  "OpenIdCredentialIssued": {
    "credentialId": "6c3f8bd4-5b1c-4c1a-9a7e-2f7d0e1c9b11",
    "credentialConfigurationId": "1d2b0b1c-5f4e-4b8e-9c3a-7a2f6d5e4c3b",
    "credentialProfile": "web-semantic",
    "format": "ldp_vc",
    "userId": "64a39a9d-c15b-4c78-9149-30f6376f1fbc",
    "credential": {
      "@context": [
        "https://www.w3.org/2018/credentials/v1"
      ],
      "type": [
        "VerifiableCredential",
        "CourseCredential"
      ],
      "issuer": {
        "id": "did:web:example.vii.mattr.global",
        "name": "Example University"
      },
      "issuanceDate": "2022-08-30T01:26:38.000Z",
      "credentialSubject": {
        "id": "did:key:z6MkjBWPPa1njEKygyr3LR3pRKkqv714vyTkfnUdP6ToFSH5",
        "course": "Physics 101"
      }
    }
  },
  "OpenIdCredentialIssuedSummary": {
    "credentialId": "6c3f8bd4-5b1c-4c1a-9a7e-2f7d0e1c9b11",
    "credentialConfigurationId": "1d2b0b1c-5f4e-4b8e-9c3a-7a2f6d5e4c3b",
    "credentialProfile": "compact",
    "format": "cwt",
    "userId": "7382276d-ef75-4d17-8fb0-1d3aec4647ab"
  },
  "OidcIssuerCredentialIssued": {
    "credentialId": "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
    "issuerId": "983c0a86-204f-4431-9371-f5a22e506599",
    "userId": "2c4e6a8b-1d3f-4a5b-9c7d-8e0f1a2b3c4d",
    "credential": {
      "type": [
        "VerifiableCredential",
        "AlumniCredential"
      ],
      "credentialSubject": {
        "id": "did:key:z6MkfxQU7dy8eKxyHpG267FV23agZQu9zmokd8BprepfHALi"
      }
    }
  },
};

/**
 * The `webhookId` of the seed's Sovrin deliveries (the id Sovrin returns when a webhook is
 * created): what `deliveries.sovrin` puts in the body unless told otherwise.
 *
 * @example
 * ```ts
 * const provider = sovrin({ jwks: DEV_SOVRIN_KEY_PAIR.jwks, webhookId: SOVRIN_SAMPLE_WEBHOOK_ID });
 * ```
 */
export const SOVRIN_SAMPLE_WEBHOOK_ID = "5be4f663-af93-41d8-8542-f5c9a2a2d588";

// ACA-Py is not in the seed documents: these records are credhooks' ACA-Py test fixtures
// (test/fixtures/acapy/*.json, written from ACA-Py's record classes), copied verbatim.
// Events without a fixture of their own take their topic's record with the event's state.

// connections-active.json
const ACAPY_CONNECTION_ACTIVE = {
  "connection_id": "9a3f1c6e-2b4d-4f8a-b1e7-5c0d9e2a7f34",
  "state": "active",
  "rfc23_state": "completed",
  "their_role": "invitee",
  "my_did": "did:peer:4zQmYbX6mXf1Xr2LZ5k1d3gR8y7u5wJ2eCkqPp9Ht1mBv3aN",
  "their_did": "did:peer:4zQmWq8T5LtM6rR9n2Vb7cJk3yX1pHf4sDg8eZa2NuKc6oQw",
  "their_label": "Alice's wallet",
  "invitation_key": "H3C2AVvLMv6gmMNam3uVAjZpfkcJCwDwnZn6z3wXmqPV",
  "invitation_msg_id": "a1d4e7b2-3c5f-4a8e-9b6d-2f0c7e1a5b38",
  "invitation_mode": "once",
  "accept": "auto",
  "alias": "Alice",
  "connection_protocol": "didexchange/1.1",
  "created_at": "2025-03-13T22:14:02.118302Z",
  "updated_at": "2025-03-13T22:14:05.902114Z"
};

// connections-deleted.json
const ACAPY_CONNECTION_DELETED = {
  "connection_id": "9a3f1c6e-2b4d-4f8a-b1e7-5c0d9e2a7f34",
  "state": "deleted",
  "rfc23_state": "completed",
  "their_role": "invitee",
  "my_did": "did:peer:4zQmYbX6mXf1Xr2LZ5k1d3gR8y7u5wJ2eCkqPp9Ht1mBv3aN",
  "their_did": "did:peer:4zQmWq8T5LtM6rR9n2Vb7cJk3yX1pHf4sDg8eZa2NuKc6oQw",
  "their_label": "Alice's wallet",
  "invitation_key": "H3C2AVvLMv6gmMNam3uVAjZpfkcJCwDwnZn6z3wXmqPV",
  "invitation_msg_id": "a1d4e7b2-3c5f-4a8e-9b6d-2f0c7e1a5b38",
  "invitation_mode": "once",
  "accept": "auto",
  "alias": "Alice",
  "connection_protocol": "didexchange/1.1",
  "created_at": "2025-03-13T22:14:02.118302Z",
  "updated_at": "2025-03-20T08:00:00.000000Z"
};

// out-of-band-await-response.json
const ACAPY_OOB_AWAIT_RESPONSE = {
  "oob_id": "0c7e3b5a-1f2d-4c6e-9a8b-7d5f3e1c2b4a",
  "state": "await-response",
  "role": "sender",
  "invi_msg_id": "a1d4e7b2-3c5f-4a8e-9b6d-2f0c7e1a5b38",
  "invitation": {
    "@type": "https://didcomm.org/out-of-band/1.1/invitation",
    "@id": "a1d4e7b2-3c5f-4a8e-9b6d-2f0c7e1a5b38",
    "label": "Acme Issuer",
    "handshake_protocols": [
      "https://didcomm.org/didexchange/1.1"
    ],
    "services": [
      "did:peer:2.Ez6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc.Vz6MkqRYqQiSgvZQdnBytw86Qbs2ZWUkGv22od935YF4s8M7V"
    ]
  },
  "multi_use": false,
  "trace": false,
  "created_at": "2025-03-13T22:13:40.532657Z",
  "updated_at": "2025-03-13T22:13:40.532657Z"
};

// issue-credential-v2-0-offer-sent.json
const ACAPY_CRED_EX_OFFER_SENT = {
  "cred_ex_id": "e4c2a9b7-1d3f-4a6e-8b5c-7f0e2d9a1c63",
  "connection_id": "9a3f1c6e-2b4d-4f8a-b1e7-5c0d9e2a7f34",
  "thread_id": "d92933ef-74d8-4e53-9d4a-6526feb991c5",
  "role": "issuer",
  "initiator": "self",
  "auto_offer": false,
  "auto_issue": true,
  "auto_remove": false,
  "trace": false,
  "created_at": "2025-03-13T22:14:41.138935Z",
  "state": "offer-sent",
  "updated_at": "2025-03-13T22:14:41.138935Z"
};

// issue-credential-v2-0-credential-issued.json
const ACAPY_CRED_EX_CREDENTIAL_ISSUED = {
  "cred_ex_id": "e4c2a9b7-1d3f-4a6e-8b5c-7f0e2d9a1c63",
  "connection_id": "9a3f1c6e-2b4d-4f8a-b1e7-5c0d9e2a7f34",
  "thread_id": "d92933ef-74d8-4e53-9d4a-6526feb991c5",
  "role": "issuer",
  "initiator": "self",
  "auto_offer": false,
  "auto_issue": true,
  "auto_remove": false,
  "trace": false,
  "created_at": "2025-03-13T22:14:41.138935Z",
  "state": "credential-issued",
  "updated_at": "2025-03-13T22:15:01.227351Z"
};

// issue-credential-v2-0-done.json
const ACAPY_CRED_EX_DONE = {
  "cred_ex_id": "e4c2a9b7-1d3f-4a6e-8b5c-7f0e2d9a1c63",
  "connection_id": "9a3f1c6e-2b4d-4f8a-b1e7-5c0d9e2a7f34",
  "thread_id": "d92933ef-74d8-4e53-9d4a-6526feb991c5",
  "role": "issuer",
  "initiator": "self",
  "auto_offer": false,
  "auto_issue": true,
  "auto_remove": false,
  "trace": false,
  "created_at": "2025-03-13T22:14:41.138935Z",
  "state": "done",
  "updated_at": "2025-03-13T22:15:02.479961Z"
};

// issue-credential-v2-0-abandoned.json
const ACAPY_CRED_EX_ABANDONED = {
  "cred_ex_id": "e4c2a9b7-1d3f-4a6e-8b5c-7f0e2d9a1c63",
  "connection_id": "9a3f1c6e-2b4d-4f8a-b1e7-5c0d9e2a7f34",
  "thread_id": "d92933ef-74d8-4e53-9d4a-6526feb991c5",
  "role": "issuer",
  "initiator": "self",
  "auto_offer": false,
  "auto_issue": true,
  "auto_remove": false,
  "trace": false,
  "created_at": "2025-03-13T22:14:41.138935Z",
  "state": "abandoned",
  "error_msg": "issuance-abandoned: credential request rejected by holder",
  "updated_at": "2025-03-13T22:15:09.604918Z"
};

// issue-credential-v2-0-indy.json
const ACAPY_CRED_EX_INDY = {
  "cred_ex_indy_id": "7b2d4f6a-8c1e-4a3b-9d5f-0e2c4a6b8d13",
  "cred_ex_id": "e4c2a9b7-1d3f-4a6e-8b5c-7f0e2d9a1c63",
  "rev_reg_id": "WgWxqztrNooG92RXvxSTWv:4:WgWxqztrNooG92RXvxSTWv:3:CL:20:tag:CL_ACCUM:0",
  "cred_rev_id": "3",
  "created_at": "2025-03-13T22:15:01.201417Z",
  "updated_at": "2025-03-13T22:15:01.201417Z"
};

// issue-credential-v2-0-ld-proof.json
const ACAPY_CRED_EX_LD_PROOF = {
  "cred_ex_ld_proof_id": "2e4a6c8b-0d1f-4b3e-8a5c-7d9f1b3e5a70",
  "cred_ex_id": "e4c2a9b7-1d3f-4a6e-8b5c-7f0e2d9a1c63",
  "created_at": "2025-03-13T22:15:01.201417Z",
  "updated_at": "2025-03-13T22:15:01.201417Z"
};

// issue-credential-v2-0-anoncreds.json
const ACAPY_CRED_EX_ANONCREDS = {
  "cred_ex_anoncreds_id": "6f8a0c2e-4b1d-4e6f-9a3c-5b7d9f1a3c52",
  "cred_ex_id": "e4c2a9b7-1d3f-4a6e-8b5c-7f0e2d9a1c63",
  "rev_reg_id": "WgWxqztrNooG92RXvxSTWv:4:WgWxqztrNooG92RXvxSTWv:3:CL:20:tag:CL_ACCUM:0",
  "cred_rev_id": "3",
  "created_at": "2025-03-13T22:15:01.201417Z",
  "updated_at": "2025-03-13T22:15:01.201417Z"
};

// present-proof-v2-0-done-verified.json
const ACAPY_PRES_EX_DONE_VERIFIED = {
  "pres_ex_id": "5d8e1f3a-7b2c-4e9d-a6f1-3c4b2e8d0a97",
  "connection_id": "9a3f1c6e-2b4d-4f8a-b1e7-5c0d9e2a7f34",
  "thread_id": "00b7fe05-79a1-44a8-91bd-8f0fe47f249d",
  "role": "verifier",
  "initiator": "self",
  "auto_present": false,
  "auto_verify": true,
  "trace": false,
  "state": "done",
  "created_at": "2025-03-13T22:15:04.202161Z",
  "updated_at": "2025-03-13T22:15:14.343137Z",
  "verified": "true"
};

// basicmessages-received.json
const ACAPY_BASIC_MESSAGE = {
  "connection_id": "9a3f1c6e-2b4d-4f8a-b1e7-5c0d9e2a7f34",
  "message_id": "4a977851-e5be-40fd-b3d6-3e01ae249c77",
  "content": "Hello from Alice",
  "state": "received",
  "sent_time": "2025-03-14T02:28:57.839Z",
  "locale": "en"
};

// issuer-cred-rev-revoked.json
const ACAPY_ISSUER_CRED_REV_REVOKED = {
  "record_id": "1c3e5a7b-9d2f-4b4e-8a6c-0d2f4b6e8a19",
  "state": "revoked",
  "cred_ex_id": "e4c2a9b7-1d3f-4a6e-8b5c-7f0e2d9a1c63",
  "cred_ex_version": "2",
  "rev_reg_id": "WgWxqztrNooG92RXvxSTWv:4:WgWxqztrNooG92RXvxSTWv:3:CL:20:tag:CL_ACCUM:0",
  "cred_def_id": "WgWxqztrNooG92RXvxSTWv:3:CL:20:tag",
  "cred_rev_id": "3",
  "created_at": "2025-03-13T22:15:01.210001Z",
  "updated_at": "2025-03-18T09:30:00.000000Z"
};

// revocation-registry-active.json
const ACAPY_REV_REG_ACTIVE = {
  "record_id": "4d6f8b0a-2c3e-4f5a-9b7d-1e3f5a7c9e02",
  "state": "active",
  "cred_def_id": "WgWxqztrNooG92RXvxSTWv:3:CL:20:tag",
  "issuer_did": "WgWxqztrNooG92RXvxSTWv",
  "revoc_reg_id": "WgWxqztrNooG92RXvxSTWv:4:WgWxqztrNooG92RXvxSTWv:3:CL:20:tag:CL_ACCUM:0",
  "revoc_def_type": "CL_ACCUM",
  "tag": "0",
  "max_cred_num": 1000,
  "tails_hash": "3MLjUFQz9x9n5u9rFu8Ba9C5bo4HNFjkPNc54jZPSNaZ",
  "tails_public_uri": "https://tails.example.org/hash/3MLjUFQz9x9n5u9rFu8Ba9C5bo4HNFjkPNc54jZPSNaZ",
  "pending_pub": [],
  "created_at": "2025-03-01T10:00:00.000000Z",
  "updated_at": "2025-03-01T10:00:12.000000Z"
};

// problem-report.json
const ACAPY_PROBLEM_REPORT = {
  "@type": "https://didcomm.org/notification/1.0/problem-report",
  "@id": "b7d9f1a3-5c2e-4e6a-8b0d-2f4a6c8e0b15",
  "~thread": {
    "thid": "d92933ef-74d8-4e53-9d4a-6526feb991c5"
  },
  "description": {
    "en": "Credential offer rejected",
    "code": "issuance-abandoned"
  }
};

// ACA-Py's own deliveries (test/fixtures/acapy/oracle/*.json, captured from ACA-Py's sender at
// openwallet-foundation/acapy 51e0aa4c), copied verbatim: the topics typed from them.

// oracle/endorse-transaction-transaction-created.json
const ACAPY_TRANSACTION_CREATED = {
  "state": "transaction_created",
  "formats": [],
  "signature_request": [],
  "transaction_id": "4ee5f0a7-35cb-45ac-aa6f-76396defe8e6",
  "signature_response": [],
  "messages_attach": [
    {
      "@id": "attach-1",
      "mime-type": "application/json",
      "data": {
        "json": "{\"operation\": {\"type\": \"102\"}}"
      }
    }
  ],
  "meta_data": {
    "context": {},
    "processing": {}
  },
  "timing": {},
  "updated_at": "2026-12-01T23:42:57.914104Z",
  "trace": false,
  "connection_id": "82f12cf4-7260-4722-9230-7b2cc615d260",
  "created_at": "2026-12-01T23:42:57.914104Z"
};

// oracle/endorse-transaction-transaction-endorsed.json
const ACAPY_TRANSACTION_ENDORSED = {
  "state": "transaction_endorsed",
  "formats": [],
  "signature_request": [],
  "transaction_id": "4ee5f0a7-35cb-45ac-aa6f-76396defe8e6",
  "signature_response": [],
  "messages_attach": [
    {
      "@id": "attach-1",
      "mime-type": "application/json",
      "data": {
        "json": "{\"operation\": {\"type\": \"102\"}}"
      }
    }
  ],
  "meta_data": {
    "context": {},
    "processing": {}
  },
  "timing": {},
  "updated_at": "2026-12-01T23:42:57.943605Z",
  "trace": false,
  "connection_id": "82f12cf4-7260-4722-9230-7b2cc615d260",
  "created_at": "2026-12-01T23:42:57.914104Z"
};

// oracle/mediation-request.json
const ACAPY_MEDIATION_REQUEST = {
  "state": "request",
  "role": "server",
  "connection_id": "82f12cf4-7260-4722-9230-7b2cc615d260",
  "updated_at": "2026-12-01T23:42:57.796538Z",
  "created_at": "2026-12-01T23:42:57.796538Z",
  "routing_keys": [],
  "mediation_id": "3f95941e-d562-4495-b72c-85a099e8e780"
};

// oracle/mediation-granted.json
const ACAPY_MEDIATION_GRANTED = {
  "state": "granted",
  "role": "server",
  "endpoint": "https://mediator.example.com/",
  "connection_id": "82f12cf4-7260-4722-9230-7b2cc615d260",
  "updated_at": "2026-12-01T23:42:57.819553Z",
  "created_at": "2026-12-01T23:42:57.796538Z",
  "routing_keys": [
    "did:key:z6MkgzZFYHiH9RhyMmkoyvNvVwnvgLxkVrJbureLx9HXsuKA"
  ],
  "mediation_id": "3f95941e-d562-4495-b72c-85a099e8e780"
};

// oracle/discover-feature-query-sent.json
const ACAPY_DISCOVERY_QUERY_SENT = {
  "state": "query-sent",
  "connection_id": "7b968a0d-c57d-4375-a438-e6a33cc2f417",
  "updated_at": "2026-12-01T23:42:57.842342Z",
  "trace": false,
  "query_msg": {
    "@type": "https://didcomm.org/discover-features/1.0/query",
    "@id": "0199c618-4cda-4c05-a61f-47519254f5bf",
    "query": "https://didcomm.org/*",
    "comment": "all protocols"
  },
  "discovery_exchange_id": "0899d332-68b7-46ef-99ea-cc3eeadc6cea",
  "created_at": "2026-12-01T23:42:57.842342Z",
  "thread_id": "0199c618-4cda-4c05-a61f-47519254f5bf"
};

// oracle/discover-feature-disclose-received.json
const ACAPY_DISCOVERY_DISCLOSE_RECEIVED = {
  "state": "disclose-received",
  "disclose": {
    "@type": "https://didcomm.org/discover-features/1.0/disclose",
    "@id": "fd35d522-3256-45ed-bb8a-cdee2f587116",
    "protocols": [
      {
        "roles": [
          "holder"
        ],
        "pid": "https://didcomm.org/issue-credential/2.0"
      }
    ]
  },
  "connection_id": "7b968a0d-c57d-4375-a438-e6a33cc2f417",
  "updated_at": "2026-12-01T23:42:57.867279Z",
  "trace": false,
  "query_msg": {
    "@type": "https://didcomm.org/discover-features/1.0/query",
    "@id": "0199c618-4cda-4c05-a61f-47519254f5bf",
    "query": "https://didcomm.org/*",
    "comment": "all protocols"
  },
  "discovery_exchange_id": "0899d332-68b7-46ef-99ea-cc3eeadc6cea",
  "created_at": "2026-12-01T23:42:57.842342Z",
  "thread_id": "0199c618-4cda-4c05-a61f-47519254f5bf"
};

// oracle/discover-feature-v2-0.json
const ACAPY_DISCOVERY_V20 = {
  "queries_msg": {
    "@type": "https://didcomm.org/discover-features/2.0/queries",
    "@id": "8732af7a-1fec-4794-b6c4-b5bac2041a47",
    "queries": [
      {
        "feature-type": "protocol",
        "match": "https://didcomm.org/*"
      }
    ]
  },
  "connection_id": "7b968a0d-c57d-4375-a438-e6a33cc2f417",
  "updated_at": "2026-12-01T23:42:57.890758Z",
  "trace": false,
  "discovery_exchange_id": "434ff7ff-b5bb-45dd-965e-15e0d9580491",
  "created_at": "2026-12-01T23:42:57.890758Z",
  "thread_id": "8732af7a-1fec-4794-b6c4-b5bac2041a47"
};

// oracle/credential-deleted.json
const ACAPY_CREDENTIAL_DELETED = {
  "id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
  "state": "deleted"
};

// oracle/w3c-credential-deleted.json
const ACAPY_W3C_CREDENTIAL_DELETED = {
  "id": "urn:uuid:0c1a8f5e-6f0b-4b8e-9c2d-3e4f5a6b7c8d",
  "state": "deleted"
};

// oracle/ping-received.json
const ACAPY_PING_RECEIVED = {
  "comment": "are you there?",
  "connection_id": "7b968a0d-c57d-4375-a438-e6a33cc2f417",
  "responded": false,
  "state": "received",
  "thread_id": "7a797292-91c6-4283-9029-cb045598b907"
};

// oracle/ping-response-received.json
const ACAPY_PING_RESPONSE_RECEIVED = {
  "comment": "here",
  "connection_id": "7b968a0d-c57d-4375-a438-e6a33cc2f417",
  "state": "response_received",
  "thread_id": "ping-thread-1"
};

// oracle/actionmenu.json
const ACAPY_ACTIONMENU = {
  "connection_id": "7b968a0d-c57d-4375-a438-e6a33cc2f417",
  "menu": {
    "@type": "https://didcomm.org/action-menu/1.0/menu",
    "@id": "2d06b7b9-f578-42da-a24e-47c4787bc351",
    "~thread": {
      "thid": "menu-thread-1"
    },
    "options": [
      {
        "title": "Check balance",
        "name": "balance"
      }
    ],
    "description": "What can we do for you?",
    "title": "Services"
  }
};

// oracle/get-active-menu.json
const ACAPY_GET_ACTIVE_MENU = {
  "connection_id": "7b968a0d-c57d-4375-a438-e6a33cc2f417",
  "thread_id": "menu-request-thread-1"
};

// oracle/perform-menu-action.json
const ACAPY_PERFORM_MENU_ACTION = {
  "connection_id": "7b968a0d-c57d-4375-a438-e6a33cc2f417",
  "thread_id": "menu-perform-thread-1",
  "action_name": "balance",
  "action_params": {
    "account": "savings"
  }
};

// oracle/keylist.json
const ACAPY_KEYLIST = {
  "connection_id": "7b968a0d-c57d-4375-a438-e6a33cc2f417",
  "thread_id": "keylist-thread-1",
  "updated": [
    {
      "recipient_key": "did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH",
      "action": "add",
      "result": "success"
    }
  ],
  "mediated_connections": {
    "did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH": "82f12cf4-7260-4722-9230-7b2cc615d260"
  }
};

// oracle/forward.json
const ACAPY_FORWARD = {
  "connection_id": "82f12cf4-7260-4722-9230-7b2cc615d260",
  "status": "queued_for_delivery",
  "recipient_key": "did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH"
};

// oracle/revocation-notification.json
const ACAPY_REVOCATION_NOTIFICATION = {
  "thread_id": "cred-thread-1",
  "comment": "Revoked by issuer"
};

// oracle/revocation-notification-v2.json
const ACAPY_REVOCATION_NOTIFICATION_V2 = {
  "revocation_format": "indy-anoncreds",
  "credential_id": "WgWxqztrNooG92RXvxSTWv:4:WgWxqztrNooG92RXvxSTWv:3:CL:20:tag:CL_ACCUM:0::1",
  "comment": "Revoked by issuer"
};

// oracle/out-of-band-multi-use-reuse-alice-connection_reuse.json
const ACAPY_CONNECTION_REUSE = {
  "thread_id": "reuse-thread-alice",
  "connection_id": "7b968a0d-c57d-4375-a438-e6a33cc2f417",
  "comment": "Connection 7b968a0d-c57d-4375-a438-e6a33cc2f417 is being reused for invitation 16e6ebe5-c63d-4e1c-8b36-8f4d839cdb70"
};

// oracle/connection-reuse-accepted-connection_reuse_accepted.json
const ACAPY_CONNECTION_REUSE_ACCEPTED = {
  "thread_id": "reuse-thread-carol",
  "connection_id": "7b968a0d-c57d-4375-a438-e6a33cc2f417",
  "state": "accepted",
  "comment": "Connection 7b968a0d-c57d-4375-a438-e6a33cc2f417 is being reused for invitation 49f7580b-3df8-46cd-b862-654ab7aa01f3"
};

type AcapySampleRecord = Readonly<Record<string, unknown>>;

function omit(record: AcapySampleRecord, ...keys: string[]): AcapySampleRecord {
  return Object.fromEntries(Object.entries(record).filter(([key]) => !keys.includes(key)));
}

/**
 * One sample per documented state of a topic: the fixture of that state when there is one,
 * else the topic's base record with the state (ACA-Py names the event by `record.state`)
 * and the fields that go with it.
 */
function acapyTopicSamples(
  topic: keyof typeof ACAPY_TOPIC_STATES,
  base: AcapySampleRecord,
  fixtures: Readonly<Record<string, AcapySampleRecord>>,
  fieldsOf: (state: string) => AcapySampleRecord = () => ({}),
): Record<string, AcapySampleRecord> {
  return Object.fromEntries(ACAPY_TOPIC_STATES[topic].map((state) => [acapyEventName(topic, state), fixtures[state] ?? { ...base, ...fieldsOf(state), state }]));
}

// ConnRecord.State pairs each RFC 160 state with its DID Exchange (RFC 23) state; the
// sample connection is the inviter's (their_role "invitee"), so it sends the invitation and
// the response, and receives the request.
const RFC23_STATES: Readonly<Record<string, string>> = { init: "start", invitation: "invitation-sent", request: "request-received", response: "response-sent", error: "abandoned" };
// The states of the other side of an exchange: the holder's (V20CredExRecord) and the
// prover's (V20PresExRecord). Those it enters because the other agent wrote first were
// initiated externally.
const HOLDER_STATES: Readonly<Record<string, string>> = { "proposal-sent": "self", "offer-received": "external", "request-sent": "external", "credential-received": "external", "credential-revoked": "external" };
const PROVER_STATES: Readonly<Record<string, string>> = { "proposal-sent": "self", "request-received": "external", "presentation-sent": "external" };

/**
 * ACA-Py sample records (the bare record ACA-Py posts), one per event, whose `state` is the
 * event's: credhooks' ACA-Py fixtures where there is one for the event, else the topic's
 * fixture record in that state.
 *
 * @example
 * ```ts
 * deliveries.acapy("issue_credential_v2_0.done", { ...ACAPY_SAMPLES["issue_credential_v2_0.done"], cred_ex_id: "ex-1" });
 * ```
 */
export const ACAPY_SAMPLES = {
  ...acapyTopicSamples("connections", ACAPY_CONNECTION_ACTIVE, { active: ACAPY_CONNECTION_ACTIVE, deleted: ACAPY_CONNECTION_DELETED }, (state) => ({ rfc23_state: RFC23_STATES[state] ?? null })),
  ...acapyTopicSamples("out_of_band", ACAPY_OOB_AWAIT_RESPONSE, { "await-response": ACAPY_OOB_AWAIT_RESPONSE }),
  ...acapyTopicSamples(
    "issue_credential_v2_0",
    ACAPY_CRED_EX_DONE,
    { "offer-sent": ACAPY_CRED_EX_OFFER_SENT, "credential-issued": ACAPY_CRED_EX_CREDENTIAL_ISSUED, done: ACAPY_CRED_EX_DONE, abandoned: ACAPY_CRED_EX_ABANDONED },
    (state) => (HOLDER_STATES[state] ? { role: "holder", initiator: HOLDER_STATES[state] } : state === "proposal-received" ? { initiator: "external" } : {}),
  ),
  issue_credential_v2_0_indy: ACAPY_CRED_EX_INDY,
  issue_credential_v2_0_ld_proof: ACAPY_CRED_EX_LD_PROOF,
  issue_credential_v2_0_anoncreds: ACAPY_CRED_EX_ANONCREDS,
  // `verified` is set once the verifier has checked the presentation: in `done` only.
  ...acapyTopicSamples("present_proof_v2_0", omit(ACAPY_PRES_EX_DONE_VERIFIED, "verified"), { done: ACAPY_PRES_EX_DONE_VERIFIED }, (state) =>
    PROVER_STATES[state] ? { role: "prover", initiator: PROVER_STATES[state] } : state === "proposal-received" ? { initiator: "external" } : {},
  ),
  ...acapyTopicSamples("basicmessages", ACAPY_BASIC_MESSAGE, { received: ACAPY_BASIC_MESSAGE }),
  ...acapyTopicSamples("issuer_cred_rev", ACAPY_ISSUER_CRED_REV_REVOKED, { revoked: ACAPY_ISSUER_CRED_REV_REVOKED }, (state) =>
    state === "issued" ? { updated_at: ACAPY_ISSUER_CRED_REV_REVOKED.created_at } : {},
  ),
  ...acapyTopicSamples("revocation_registry", ACAPY_REV_REG_ACTIVE, { active: ACAPY_REV_REG_ACTIVE }),
  problem_report: ACAPY_PROBLEM_REPORT,
  ...acapyTopicSamples("endorse_transaction", ACAPY_TRANSACTION_CREATED, { transaction_created: ACAPY_TRANSACTION_CREATED, transaction_endorsed: ACAPY_TRANSACTION_ENDORSED }),
  ...acapyTopicSamples("mediation", ACAPY_MEDIATION_REQUEST, { request: ACAPY_MEDIATION_REQUEST, granted: ACAPY_MEDIATION_GRANTED }),
  ...acapyTopicSamples("discover_feature", ACAPY_DISCOVERY_QUERY_SENT, { "query-sent": ACAPY_DISCOVERY_QUERY_SENT, "disclose-received": ACAPY_DISCOVERY_DISCLOSE_RECEIVED }),
  discover_feature_v2_0: ACAPY_DISCOVERY_V20,
  ...acapyTopicSamples("credential", ACAPY_CREDENTIAL_DELETED, { deleted: ACAPY_CREDENTIAL_DELETED }),
  ...acapyTopicSamples("w3c_credential", ACAPY_W3C_CREDENTIAL_DELETED, { deleted: ACAPY_W3C_CREDENTIAL_DELETED }),
  ...acapyTopicSamples("ping", ACAPY_PING_RECEIVED, { received: ACAPY_PING_RECEIVED, response_received: ACAPY_PING_RESPONSE_RECEIVED }),
  actionmenu: ACAPY_ACTIONMENU,
  "get-active-menu": ACAPY_GET_ACTIVE_MENU,
  "perform-menu-action": ACAPY_PERFORM_MENU_ACTION,
  keylist: ACAPY_KEYLIST,
  forward: ACAPY_FORWARD,
  "revocation-notification": ACAPY_REVOCATION_NOTIFICATION,
  "revocation-notification-v2": ACAPY_REVOCATION_NOTIFICATION_V2,
  connection_reuse: ACAPY_CONNECTION_REUSE,
  // `rejected` as _handle_handshake_reuse sends it: its comment is a tuple, so a JSON list.
  ...acapyTopicSamples("connection_reuse_accepted", ACAPY_CONNECTION_REUSE_ACCEPTED, { accepted: ACAPY_CONNECTION_REUSE_ACCEPTED }, (state) =>
    state === "rejected" ? { comment: [`No HandshakeReuseAccept message received, connection ${ACAPY_CONNECTION_REUSE_ACCEPTED.connection_id} `, "and invitation 8b6dce7b-0383-4775-980e-0d0f5e2c4b6a"] } : {},
  ),
} as unknown as { readonly [E in AcapyEvent]: AcapyRecords[E] };

