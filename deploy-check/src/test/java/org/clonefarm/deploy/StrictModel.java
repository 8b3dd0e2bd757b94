package org.clonefarm.deploy;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.strimzi.crdgenerator.annotations.PresentInVersions;
import io.strimzi.crdgenerator.annotations.RequiredInVersions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Collections;

/**
 * Reads a rendered Kubernetes resource into the published Java model of its kind and refuses what the
 * model does not have.
 *
 * <p>Strimzi's and fabric8's model classes keep unknown properties in a map ({@code @JsonAnySetter}),
 * so a plain read accepts any misspelling. This reader takes the any-setter out of every bean, so an
 * unknown property fails with its path, as the API server's schema would refuse it. Strimzi resources are
 * also held to {@code kafka.strimzi.io/v1}: Strimzi 1.x serves only v1, and the model of 0.51 still has
 * the properties v1 dropped, marked {@code @PresentInVersions("v1alpha1-v1beta2")} or deprecated; a set
 * property of that kind, or a missing one v1 requires, is refused with its path.
 *
 * <p>Thread-safe after construction.
 */
final class StrictModel {
    /** The model class of each kind the deployment files may hold. */
    private static final Map<String, Class<?>> KINDS = Map.ofEntries(
            Map.entry("kafka.strimzi.io/v1 Kafka", io.strimzi.api.kafka.model.kafka.Kafka.class),
            Map.entry("kafka.strimzi.io/v1 KafkaNodePool", io.strimzi.api.kafka.model.nodepool.KafkaNodePool.class),
            Map.entry("kafka.strimzi.io/v1 KafkaTopic", io.strimzi.api.kafka.model.topic.KafkaTopic.class),
            Map.entry("kafka.strimzi.io/v1 KafkaUser", io.strimzi.api.kafka.model.user.KafkaUser.class),
            Map.entry("v1 Namespace", io.fabric8.kubernetes.api.model.Namespace.class),
            Map.entry("v1 ConfigMap", io.fabric8.kubernetes.api.model.ConfigMap.class),
            Map.entry("v1 Service", io.fabric8.kubernetes.api.model.Service.class),
            Map.entry("v1 PersistentVolumeClaim", io.fabric8.kubernetes.api.model.PersistentVolumeClaim.class),
            Map.entry("apps/v1 Deployment", io.fabric8.kubernetes.api.model.apps.Deployment.class),
            Map.entry("apps/v1 DaemonSet", io.fabric8.kubernetes.api.model.apps.DaemonSet.class));

    private static final List<String> STRIMZI_VERSIONS = List.of("v1alpha1", "v1beta1", "v1beta2", "v1");
    private static final String SERVED = "v1";

    private final ObjectMapper mapper;
    /** Writes a Strimzi model back with every property, defaults too (they are left out by annotation). */
    private final ObjectMapper writer;

    StrictModel() {
        SimpleModule noAnySetter = new SimpleModule("no-any-setter");
        noAnySetter.setDeserializerModifier(new BeanDeserializerModifier() {
            @Override
            public BeanDeserializerBuilder updateBuilder(DeserializationConfig config, BeanDescription description,
                    BeanDeserializerBuilder builder) {
                builder.setAnySetter(null);
                builder.setIgnoreUnknownProperties(false);
                return builder;
            }
        });
        this.mapper = new ObjectMapper()
                .registerModule(noAnySetter)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);
        this.writer = new ObjectMapper().setAnnotationIntrospector(new JacksonAnnotationIntrospector() {
            private static final long serialVersionUID = 1L;

            @Override
            public JsonInclude.Value findPropertyInclusion(Annotated annotated) {
                return JsonInclude.Value.construct(JsonInclude.Include.ALWAYS, JsonInclude.Include.ALWAYS);
            }
        });
    }

    /** The kinds this reader knows, as {@code apiVersion kind}. */
    static Set<String> kinds() {
        return KINDS.keySet();
    }

    /**
     * The resource as its model object.
     *
     * @throws IllegalArgumentException naming the resource and the property that its model refuses
     */
    Object read(JsonNode resource) {
        String kind = resource.path("apiVersion").asText() + " " + resource.path("kind").asText();
        String name = kind + " " + resource.path("metadata").path("name").asText();
        Class<?> type = KINDS.get(kind);
        if (type == null) {
            throw new IllegalArgumentException(name + ": no model for this apiVersion and kind; known: "
                    + new java.util.TreeSet<>(KINDS.keySet()));
        }
        Object model;
        try {
            model = mapper.treeToValue(resource, type);
        } catch (Exception e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
        if (type.getPackageName().startsWith("io.strimzi.")) {
            List<String> lost = new ArrayList<>();
            compare(resource, writer.valueToTree(model), "", lost);
            if (!lost.isEmpty()) {
                throw new IllegalArgumentException(name + ": the model does not keep " + String.join("; ", lost));
            }
            List<String> problems = new ArrayList<>();
            checkServedVersion(model, "", problems, Collections.newSetFromMap(new IdentityHashMap<>()));
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(name + " is not valid " + SERVED + ": " + String.join("; ", problems));
            }
        }
        return model;
    }

    /**
     * Every value of the file must come back when the model is written again: a value the model read as
     * something else (Strimzi reads an enum constant it does not know as null) is reported with its path.
     * The model may add what the file left out, never change or drop what it has.
     */
    private static void compare(JsonNode written, JsonNode read, String path, List<String> lost) {
        if (written.isObject()) {
            written.fields().forEachRemaining(field -> {
                if (path.isEmpty() && field.getKey().equals("apiVersion")) {
                    return; // the model writes its storage version; read() checked the file's against KINDS
                }
                JsonNode other = read == null ? null : read.get(field.getKey());
                if (other == null) {
                    lost.add(path + "." + field.getKey());
                } else {
                    compare(field.getValue(), other, path + "." + field.getKey(), lost);
                }
            });
        } else if (written.isArray()) {
            if (read == null || !read.isArray() || read.size() != written.size()) {
                lost.add(path + " (" + written + ")");
                return;
            }
            for (int i = 0; i < written.size(); i++) {
                compare(written.get(i), read.get(i), path + "[" + i + "]", lost);
            }
        } else if (read == null || !sameScalar(written, read)) {
            lost.add(path + "=" + written + " (read as " + read + ")");
        }
    }

    /** YAML scalars: {@code 3} and {@code "3"} are the same value to Kubernetes where the type allows both. */
    private static boolean sameScalar(JsonNode written, JsonNode read) {
        return written.equals(read) || written.asText().equals(read.asText()) && !read.isNull();
    }

    /** Walks a Strimzi bean: every set property must exist in v1, every property v1 requires must be set. */
    private void checkServedVersion(Object bean, String path, List<String> problems, Set<Object> seen) {
        if (bean == null || !seen.add(bean)) {
            return;
        }
        if (bean instanceof Collection<?> collection) {
            int i = 0;
            for (Object element : collection) {
                checkServedVersion(element, path + "[" + i++ + "]", problems, seen);
            }
            return;
        }
        if (bean instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                checkServedVersion(entry.getValue(), path + "." + entry.getKey(), problems, seen);
            }
            return;
        }
        Class<?> type = bean.getClass();
        if (!type.getPackageName().startsWith("io.strimzi.") || type.isEnum()) {
            return;
        }
        PresentInVersions classVersions = type.getAnnotation(PresentInVersions.class);
        if (classVersions != null && !includesServed(classVersions.value())) {
            problems.add(path + " is a " + type.getSimpleName() + ", which exists only in " + classVersions.value());
        }
        JavaType javaType = mapper.constructType(type);
        BeanDescription description = mapper.getSerializationConfig().introspect(javaType);
        for (BeanPropertyDefinition property : description.findProperties()) {
            AnnotatedMember getter = property.getAccessor();
            if (getter == null || "additionalProperties".equals(property.getName())) {
                continue;
            }
            Object value = getter.getValue(bean);
            String at = path + "." + property.getName();
            PresentInVersions versions = getter.getAnnotation(PresentInVersions.class);
            RequiredInVersions required = getter.getAnnotation(RequiredInVersions.class);
            if (value != null) {
                if (versions != null && !includesServed(versions.value())) {
                    problems.add(at + " exists only in " + versions.value());
                } else if (getter.hasAnnotation(Deprecated.class) && versions == null) {
                    problems.add(at + " is deprecated (dropped by " + SERVED + ")");
                }
                checkServedVersion(value, at, problems, seen);
            } else if ((required != null && includesServed(required.value()))
                    || (property.isRequired() && (versions == null || includesServed(versions.value())))) {
                problems.add(at + " is required");
            }
        }
    }

    /** Whether a Strimzi version range ({@code v1}, {@code v1beta2+}, {@code v1alpha1-v1beta2}) holds v1. */
    static boolean includesServed(String range) {
        int served = STRIMZI_VERSIONS.indexOf(SERVED);
        for (String part : range.split(",")) {
            String p = part.trim();
            if (p.endsWith("+")) {
                if (version(p.substring(0, p.length() - 1)) <= served) {
                    return true;
                }
            } else if (p.contains("-")) {
                String[] bounds = p.split("-");
                if (version(bounds[0]) <= served && served <= version(bounds[1])) {
                    return true;
                }
            } else if (version(p) == served) {
                return true;
            }
        }
        return false;
    }

    private static int version(String name) {
        int index = STRIMZI_VERSIONS.indexOf(name);
        if (index < 0) {
            throw new IllegalArgumentException("unknown Strimzi API version " + name);
        }
        return index;
    }

}
