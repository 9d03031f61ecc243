package dev.cozegateway.application;

import dev.cozegateway.domain.Authorization;
import java.net.URI;

/**
 * An authorization as callers see it.
 *
 * @param authorization the stored authorization
 * @param authorizeUri the Coze page the end user opens; {@code null} once not PENDING
 */
public record AuthorizationDetails(Authorization authorization, URI authorizeUri) {}
