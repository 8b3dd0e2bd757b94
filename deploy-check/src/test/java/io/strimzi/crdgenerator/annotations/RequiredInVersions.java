package io.strimzi.crdgenerator.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The name and element of the annotation Strimzi's model classes carry to say in which API versions a
 * property is required (for example {@code "v1+"}). Its home, {@code io.strimzi:crd-generator},
 * is not published on Maven Central, and reflection sees an annotation only when its type is on the class
 * path: this declaration (the same name, retention and element) lets {@code StrictModel} read it.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.FIELD, ElementType.TYPE})
public @interface RequiredInVersions {
    /** A version range: {@code v1}, {@code v1beta2+} or {@code v1alpha1-v1beta2}. */
    String value();
}
