package dev.outboxmailer.deliver.oauth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.outboxmailer.config.ConfigException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

/**
 * A Google service account's JSON key ({@code smtp.oauth2.service-account-file}): signs the JWT assertion of
 * the JWT bearer grant (RFC 7523) that asks for a token acting as a Workspace user (domain-wide delegation).
 */
record ServiceAccountKey(String clientEmail, String keyId, PrivateKey privateKey, URI tokenUri) {
    private static final String KEY = "smtp.oauth2.service-account-file";

    static ServiceAccountKey read(Path file) {
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new ConfigException(KEY, file.toAbsolutePath() + " is not a service account's JSON key");
        }
        String email = text(json, "client_email", file);
        String pem = text(json, "private_key", file);
        String tokenUri = json.path("token_uri").asText("https://oauth2.googleapis.com/token");
        try {
            byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", ""));
            PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
            return new ServiceAccountKey(email, json.path("private_key_id").asText(null), key,
                    OAuth2Settings.endpoint(KEY + " token_uri", tokenUri));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new ConfigException(KEY, "the private_key in " + file.toAbsolutePath() + " is not an RSA key in PKCS#8 PEM");
        }
    }

    private static String text(JsonNode json, String field, Path file) {
        String value = json.path(field).asText("");
        if (value.isEmpty()) {
            throw new ConfigException(KEY, file.toAbsolutePath() + " has no " + field);
        }
        return value;
    }

    /** The signed assertion: this account, acting as {@code subject}, for {@code scope}, valid for an hour. */
    SignedJWT assertion(String subject, String scope, URI audience, Instant now) throws JOSEException {
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(clientEmail)
                .subject(subject)
                .audience(audience.toString())
                .claim("scope", scope)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(Duration.ofHours(1))))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(keyId).build(), claims);
        jwt.sign(new RSASSASigner(privateKey));
        return jwt;
    }
}
