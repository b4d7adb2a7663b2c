import type { CrossmintPayloads, LissiPayloads, ProvenPayloads, SovrinPayloads, TruveraPayloads } from "./payload-types.js";

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
